/**
 * A button that puts a text on the clipboard and says so for two seconds (visibly and to
 * screen readers). Used by the copy blocks (connect page, API keys, invitations) and the
 * GitHub registration values.
 */
import { useState } from "react";
import { Button } from "./ui";

/** Copies `text`; `label` names what is copied (the accessible name is "Copy: <label>"). */
export function CopyButton({ label, text, className = "" }: { label: string; text: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <>
      <Button variant="secondary" className={className} onClick={() => void copy()} aria-label={`Copy: ${label}`}>
        {copied ? "Copied" : "Copy"}
      </Button>
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied to the clipboard" : ""}
      </span>
    </>
  );
}
