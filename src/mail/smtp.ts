import type { Transporter } from "nodemailer";
import { composeOptions } from "./compose.js";
import type { Mailer, MailLogger } from "./types.js";

/**
 * Real delivery through the operator's SMTP relay. The URL carries everything nodemailer understands
 * (smtp:// or smtps://, credentials, `?pool=true`, ...), so operators configure it in one setting.
 */
export function createSmtpMailer(opts: { smtpUrl: string; from: string; logger: MailLogger }): Mailer {
  // nodemailer is imported with the first message, not at start-up (issue 15): most processes send none.
  let transport: Promise<Transporter> | undefined;
  const connect = () => {
    transport ??= import("nodemailer").then((m) => m.createTransport(opts.smtpUrl));
    return transport;
  };
  return {
    kind: "smtp",
    async send(message) {
      try {
        await (await connect()).sendMail(composeOptions(opts.from, message));
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`SMTP delivery of "${message.subject}" to ${message.to} failed: ${reason}`, {
          cause: err,
        });
      }
      // No links here: delivered mail holds live tokens, and logs outlive them and travel further.
      opts.logger.info({ to: message.to, subject: message.subject }, "mail sent");
    },
    async close() {
      (await transport)?.close();
    },
  };
}
