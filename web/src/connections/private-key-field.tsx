/**
 * A GitHub App's private key as a form takes it: pasted into a text box, or read from the .pem
 * file GitHub downloaded (in the browser; nothing is uploaded until the form is sent). Used by
 * the form that connects an App by hand and by the connection's Edit.
 */
import { useState, type ChangeEvent } from "react";
import { describedBy, FieldError } from "../ui/ui";

/** The server's limit on a private key. */
export const MAX_KEY_BYTES = 16_384;

/** The key's text box and file picker; `id` names the text box (the picker is `${id}-file`). */
export function PrivateKeyField({
  id,
  label,
  hint,
  required = false,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  hint: string;
  required?: boolean;
  value: string;
  onChange: (pem: string) => void;
  /** The server's problem with the key, shown under it. */
  error?: string;
}) {
  const [fileError, setFileError] = useState<string | null>(null);
  const readKeyFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    setFileError(null);
    if (!file) return;
    if (file.size > MAX_KEY_BYTES) return setFileError(`${file.name} is larger than a private key (${MAX_KEY_BYTES} bytes at most).`);
    onChange(await file.text());
  };
  return (
    <>
      <div className="flex flex-col gap-1">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <textarea
          id={id}
          required={required}
          rows={6}
          spellCheck={false}
          autoComplete="off"
          maxLength={MAX_KEY_BYTES}
          placeholder="-----BEGIN RSA PRIVATE KEY-----"
          className="rounded-md border border-line bg-surface px-2 py-1.5 font-mono text-xs"
          aria-describedby={describedBy(id, hint, error)}
          aria-invalid={error ? true : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
        <FieldError id={id} error={error} />
        <p id={`${id}-hint`} className="text-xs text-soft">
          {hint}
        </p>
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-file`} className="text-sm font-medium">
          Or read the .pem file
        </label>
        <input id={`${id}-file`} type="file" accept=".pem" className="text-sm" onChange={(e) => void readKeyFile(e)} />
        <FieldError id={`${id}-file`} error={fileError ?? undefined} />
      </div>
    </>
  );
}
