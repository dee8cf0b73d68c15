/**
 * The CLI's conversation with the developer: messages on stderr (stdout carries only the
 * result, so `--json` output pipes cleanly), and prompts only when both ends are a terminal.
 * In a script a missing answer is an error that names the flag to pass instead.
 */
import { createInterface } from "node:readline/promises";

/** Where messages go and answers come from. */
export interface Terminal {
  /** True when prompts can be answered. */
  interactive: boolean;
  /** A line for the developer (stderr), silenced by --json. */
  say(line: string): void;
  /** A line the developer must see even with --json (the sign-in code). */
  notice(line: string): void;
  /** Asks a question; only call when `interactive`. */
  ask(question: string): Promise<string>;
}

/** The process's terminal; `quiet` silences messages (for --json). */
export function createTerminal(options: { quiet: boolean }): Terminal {
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  return {
    interactive,
    say: (line) => {
      if (!options.quiet) process.stderr.write(`${line}\n`);
    },
    notice: (line) => process.stderr.write(`${line}\n`),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return (await rl.question(question)).trim();
      } finally {
        rl.close();
      }
    },
  };
}

/** A missing answer: prompts when interactive, otherwise an error naming the flag. */
export async function answer(terminal: Terminal, flag: string, question: string): Promise<string> {
  if (!terminal.interactive) throw new Error(`${flag} is required when not run in a terminal.`);
  const reply = await terminal.ask(question);
  if (!reply) throw new Error(`No answer: pass ${flag}.`);
  return reply;
}
