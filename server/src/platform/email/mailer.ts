/**
 * Outgoing e-mail over SMTP (nodemailer). When SMTP is not configured the mailer is disabled:
 * callers check `enabled` and degrade (invitation links are shown to the inviter instead,
 * password reset reports itself unavailable). Message bodies are never logged: they carry
 * one-time links. nodemailer is imported with the first message, not at start.
 */
import type { Transporter } from "nodemailer";
import type { Logger } from "../logging.js";

/** One message. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends e-mail, or says it cannot. */
export interface Mailer {
  enabled: boolean;
  /** @throws Error when disabled or when the SMTP server refuses the message. */
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

/** Creates the mailer for `settings` (undefined: disabled). */
export function createMailer(settings: { smtpUrl: string; from: string } | undefined, logger: Logger): Mailer {
  if (!settings) {
    return {
      enabled: false,
      async send() {
        throw new Error("e-mail is not configured (set SMTP_CONNECTION_URL and EMAIL_FROM_ADDRESS)");
      },
      close() {},
    };
  }
  let transport: Promise<Transporter> | undefined;
  const log = logger.child({ module: "email" });
  return {
    enabled: true,
    async send(message) {
      transport ??= import("nodemailer").then(({ default: nodemailer }) => nodemailer.createTransport(settings.smtpUrl, { from: settings.from }));
      const info = await (await transport).sendMail({ from: settings.from, ...message });
      // Neither recipient nor subject: they carry personal data (names, addresses).
      log.info({ messageId: info.messageId }, "e-mail sent");
    },
    // A transport that never loaded has nothing to close.
    close: () => void transport?.then((t) => t.close()).catch(() => {}),
  };
}
