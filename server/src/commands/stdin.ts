/**
 * Reading a secret from standard input (`--password-stdin`, `--passphrase-stdin`): kept out of
 * the process list and the shell history.
 */

/** Reads standard input to its end, or a little past `max` characters (enough to refuse). */
export async function readStdinBounded(max: number): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += chunk.toString();
    if (text.length > max) break;
  }
  return text;
}
