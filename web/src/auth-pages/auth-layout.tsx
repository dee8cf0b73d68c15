/**
 * The frame of the pages outside an organisation (sign-in, sign-up, consent, device,
 * invitations): the ctx| mark and one centred card.
 */
import type { ReactNode } from "react";

/** One centred card with a heading. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto my-16 max-w-md px-4">
      <p className="mb-6 text-3xl font-bold">
        ctx<span className="text-accent">|</span>
      </p>
      <div className="rounded-lg border border-line bg-surface p-6 shadow-sm">
        <h1 className="mb-4 text-xl font-semibold">{title}</h1>
        {children}
      </div>
    </main>
  );
}
