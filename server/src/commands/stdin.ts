/**
 * Reading a secret from standard input (`--password-stdin`, `--passphrase-stdin`): kept out of
 * the process list and the shell history.
 */

/**
 * Reads standard input (or `stdin`, a command's own when run in process) to its end, or a
 * little past `max` characters (enough to refuse).
 */
export async function readStdinBounded(max: number, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.length > max) break;
  }
  return text;
}
