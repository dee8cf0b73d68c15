/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, random port, no TLS, no auth) that
 * keeps every message it receives. Point the app at it with
 * SMTP_CONNECTION_URL=smtp://127.0.0.1:<port>. Parsing is deliberately simple: headers
 * (unfolded, RFC 2047 words decoded) and the text body (quoted-printable or base64 decoded;
 * for multipart messages the first text/plain part).
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One received message. */
export interface SinkMessage {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Envelope sender (MAIL FROM). */
  from: string;
  subject: string;
  /** Header names in lower case; the last occurrence wins. */
  headers: Record<string, string>;
  /** The decoded text body. */
  text: string;
  raw: string;
}

/** A running sink. */
export interface SmtpSink {
  port: number;
  /** Everything received so far, oldest first. */
  messages: readonly SinkMessage[];
  /**
   * The first message (already received or still to come) that matches.
   * @throws Error after `timeoutMs` without one.
   */
  waitForMessage(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  stop(): Promise<void>;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Decodes RFC 2047 encoded words (=?utf-8?Q?...?= / =?utf-8?B?...?=). */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}

function decodeQuotedPrintable(text: string): string {
  const unfolded = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unfolded[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function splitMessage(raw: string): { headers: Record<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { headers: parseHeaders(raw), body: "" };
  return { headers: parseHeaders(raw.slice(0, match.index)), body: raw.slice(match.index + match[0].length) };
}

/** The text of one entity: decoded body, or the first text/plain part of a multipart one. */
function textOf(headers: Record<string, string>, body: string): string {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    const parts = body
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((p) => splitMessage(p.replace(/^\r?\n/, "")));
    const plain = parts.find((p) => (p.headers["content-type"] ?? "text/plain").toLowerCase().startsWith("text/plain")) ?? parts[0];
    return plain ? textOf(plain.headers, plain.body) : "";
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
}

/** Parses a raw RFC 822 message, enough for tests. */
export function parseMessage(raw: string, envelope: { from: string; to: string[] }): SinkMessage {
  const { headers, body } = splitMessage(raw);
  for (const key of Object.keys(headers)) headers[key] = decodeWords(headers[key]!);
  return { ...envelope, subject: headers.subject ?? "", headers, text: textOf(headers, body).replace(/\r\n/g, "\n"), raw };
}

/** Sink options. `rejectRecipient` refuses matching RCPT TO addresses (550), to test failures. */
export interface SmtpSinkOptions {
  rejectRecipient?: (address: string) => boolean;
}

/** Starts a sink on 127.0.0.1 with a random port. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        return callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const to = session.envelope.rcptTo.map((r) => r.address);
        messages.push(parseMessage(Buffer.concat(chunks).toString("utf8"), { from, to }));
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    messages,
    waitForMessage(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching e-mail within ${timeoutMs} ms (received ${messages.length}: ${messages.map((m) => m.subject).join(" | ")})`));
        }, timeoutMs);
        if (!check()) waiters.add(wake);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
