import type { SendMailOptions } from "nodemailer";
import type { MailMessage } from "./types.js";

/** Options shared by both transports, so an outbox file is the message SMTP would have carried. */
export function composeOptions(from: string, message: MailMessage): SendMailOptions {
  return {
    from,
    to: message.to,
    subject: message.subject,
    // A body is a sequence of terminated lines and nodemailer terminates an unterminated last line, so
    // "x" and "x\n" would arrive alike. Always terminating it here (and dropping that terminator when
    // reading, see mime.ts) makes the text round-trip exactly.
    text: `${message.text}\n`,
    // Quoted-printable keeps URLs readable in the raw .eml and decodable by our own reader; headers use
    // Q encoded words for the same reason.
    encoding: "quoted-printable",
    textEncoding: "quoted-printable",
    // RFC 3834 §5: tells vacation responders and ticket systems not to reply to notifications.
    headers: { "Auto-Submitted": "auto-generated" },
    // Message content never names files or URLs to inline; refuse them so a crafted value cannot make
    // nodemailer read local files or fetch URLs (SSRF) into a message.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
