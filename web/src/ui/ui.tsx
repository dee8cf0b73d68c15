/**
 * The few building blocks every page uses: buttons, labelled fields, notices (with aria-live
 * for status changes), a page heading, and the loading and error states of a query. Styling is
 * Tailwind (styles.css); every control has a label and a visible focus ring.
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

/** A text input with its label (and an optional hint under it). */
export function Field({ label, hint, id, ...props }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; id: string }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input id={id} className="rounded-md border border-line bg-surface px-2 py-1.5" aria-describedby={hint ? `${id}-hint` : undefined} {...props} />
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

/** The loading, error and ready states of a query, in one place. */
export function QueryState<T>({ query, children }: { query: { isPending: boolean; error: unknown; data: T | undefined }; children: (data: T) => ReactNode }) {
  if (query.isPending) return <p aria-busy="true">Loading…</p>;
  if (query.error) return <Notice kind="error">{errorMessage(query.error)}</Notice>;
  return <>{children(query.data as T)}</>;
}
