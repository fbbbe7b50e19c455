/*
 * Public surface of the mail feature: other features import only from here.
 * Outbox folder by default, real SMTP when WHARF_SMTP_URL is set.
 */
import { createOutboxMailer } from "./outbox.js";
import { createSmtpMailer } from "./smtp.js";
import type { Mailer, MailLogger } from "./types.js";

export { emailDomain, isAbandoned } from "./abandoned.js";
export { afterResponse, holdBackground, settleBackground } from "./background.js";
export { findLink } from "./links.js";
export { OUTBOX_EXTENSION } from "./outbox.js";
export type { Mailer, MailLogger, MailMessage } from "./types.js";

export function createMailer(opts: {
  outboxDir: string;
  smtpUrl?: string;
  from: string;
  logger: MailLogger;
}): Mailer {
  const { smtpUrl, from, logger } = opts;
  if (smtpUrl) return createSmtpMailer({ smtpUrl, from, logger });
  return createOutboxMailer({ outboxDir: opts.outboxDir, from, logger });
}
