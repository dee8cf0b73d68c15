/**
 * The optional GitHub Enterprise Server API URL field of the connection forms (create from a
 * manifest, connect by hand).
 */
import { Field } from "../ui/ui";

/** The field; empty means github.com. */
export function ApiUrlField({ id, value, onChange, error }: { id: string; value: string; onChange: (value: string) => void; error?: string }) {
  return (
    <Field
      id={id}
      label="GitHub Enterprise Server API URL (optional)"
      type="url"
      autoComplete="off"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      hint="Leave empty for github.com. For example https://github.example.com/api/v3."
      error={error}
    />
  );
}
