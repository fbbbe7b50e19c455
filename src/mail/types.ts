/** One plain-text notification; every Wharf mail is a single text/plain part. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly kind: "outbox" | "smtp";
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** The slice of pino the mailer needs, so tests can pass a recorder instead of a real logger. */
export interface MailLogger {
  info(obj: object, msg: string): void;
}
