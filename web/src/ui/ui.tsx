/**
 * The few building blocks every page uses: buttons, labelled fields (with the server's problem
 * with each shown beside it), notices (with aria-live for status changes), a page heading, and
 * the loading and error states of a query. Styling is Tailwind (styles.css); every control has
 * a label and a visible focus ring.
 */
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode } from "react";
import { ApiError } from "../api/client";

/** A button; `variant` picks its weight. */
export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" }) {
  const look = {
    primary: "bg-accent text-on-accent hover:bg-accent-strong",
    secondary: "border border-line bg-surface hover:bg-muted",
    danger: "bg-danger text-on-accent hover:opacity-90",
  }[variant];
  return <button type="button" className={`rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-50 ${look} ${className}`} {...props} />;
}

/** The ids an input is described by: its error first, then its hint. */
export function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  return [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(" ") || undefined;
}

/** What is wrong with an input, under it and announced (`id` is the input's); nothing without `error`. */
export function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} role="alert" className="text-sm text-danger">
      {error}
    </p>
  );
}

/** A text input with its label, an optional hint under it, and the server's `error` about it. */
export function Field({
  label,
  hint,
  error,
  id,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string; id: string }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        className="rounded-md border border-line bg-surface px-2 py-1.5"
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? true : undefined}
        {...props}
      />
      <FieldError id={id} error={error} />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-soft">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A new-password field: the server's length rule, said under it. */
export function NewPasswordField({ label, minLength }: { label: string; minLength: number }) {
  return (
    <Field
      id="password"
      name="password"
      type="password"
      label={label}
      autoComplete="new-password"
      required
      minLength={minLength}
      maxLength={128}
      hint={`At least ${minLength} characters.`}
    />
  );
}

/** A message block: errors are alerts, the rest polite live regions. */
export function Notice({ kind = "info", children }: { kind?: "info" | "error" | "success"; children: ReactNode }) {
  const look = { info: "border-line bg-muted", error: "border-danger text-danger", success: "border-ok text-ok" }[kind];
  return (
    <div role={kind === "error" ? "alert" : "status"} className={`rounded-md border px-3 py-2 text-sm ${look}`}>
      {children}
    </div>
  );
}

/** The heading of a page, with an optional line under it and actions on the right. */
export function PageHeader({ title, children, actions }: { title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-end justify-between gap-2">
      <div>
        <h1 className="text-2xl font-semibold">{title}</h1>
        {children && <p className="text-soft">{children}</p>}
      </div>
      {actions}
    </div>
  );
}

/** What a failed request should tell the person: the server's message, or a generic one. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : "Something went wrong; try again.";
}

/**
 * The server's problem with the input named `name` (as the API names it: `privateKey`) in the
 * failed request `err`, as a sentence for beside the input; undefined when it named none.
 * With `conflicts`, a 409 (`conflict`: the name is taken) is this input's problem.
 */
export function fieldError(err: unknown, name: string, conflicts = false): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (conflicts && err.code === "conflict") return err.message;
  const message = err.fields[name];
  return message && `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
}

/**
 * The message for a form's own notice: null when the server's problems show beside the inputs
 * (each one it named is in `shown`; with `conflicts`, an input takes a 409 too).
 */
export function formError(err: unknown, shown: readonly string[], conflicts = false): string | null {
  if (!err) return null;
  if (conflicts && err instanceof ApiError && err.code === "conflict") return null;
  const fields = err instanceof ApiError ? Object.keys(err.fields) : [];
  return fields.length > 0 && fields.every((f) => shown.includes(f)) ? null : errorMessage(err);
}

/** The loading, error and ready states of a query, in one place. */
export function QueryState<T>({ query, children }: { query: { isPending: boolean; error: unknown; data: T | undefined }; children: (data: T) => ReactNode }) {
  if (query.isPending) return <p aria-busy="true">Loading…</p>;
  if (query.error) return <Notice kind="error">{errorMessage(query.error)}</Notice>;
  return <>{children(query.data as T)}</>;
}
