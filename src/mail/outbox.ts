import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { composeOptions } from "./compose.js";
import { findLinks } from "./links.js";
import type { Mailer, MailLogger } from "./types.js";

/** Readers (the tests, `src/test-support/outbox.ts`) take only files with this extension. */
export const OUTBOX_EXTENSION = ".eml";

// Breaks ties between messages written in the same millisecond by this process, so "oldest first"
// holds for bursts (e.g. a notification fan-out) and not only across milliseconds.
let sequence = 0;

/** `2026-11-25T12-00-00.123Z-000042-1a2b3c4d.eml`: lexical order is time order; colons upset Windows. */
function outboxFileName(now: Date): string {
  const stamp = now.toISOString().replace(/:/g, "-");
  sequence = (sequence + 1) % 1_000_000;
  return `${stamp}-${String(sequence).padStart(6, "0")}-${randomBytes(4).toString("hex")}${OUTBOX_EXTENSION}`;
}

/**
 * The default mailer: a folder of .eml files that any mail client opens. Lets a laptop install and the
 * test suite run without an SMTP server while still producing real RFC 5322 messages.
 */
export function createOutboxMailer(opts: { outboxDir: string; from: string; logger: MailLogger }): Mailer {
  const dir = resolve(opts.outboxDir);
  // Buffer + unix newlines: the whole message in memory, with line endings a text editor shows cleanly.
  // nodemailer (composing the MIME text) is imported with the first message, not at start-up (issue 15).
  const makeTransport = () =>
    import("nodemailer").then((m) =>
      m.createTransport({ streamTransport: true, buffer: true, newline: "unix" }),
    );
  let transport: ReturnType<typeof makeTransport> | undefined;
  return {
    kind: "outbox",
    async send(message) {
      transport ??= makeTransport();
      const info = await (await transport).sendMail(composeOptions(opts.from, message));
      if (!Buffer.isBuffer(info.message)) throw new Error("nodemailer stream transport did not buffer");
      await mkdir(dir, { recursive: true });
      const file = join(dir, outboxFileName(new Date()));
      // Readers skip dot-files and non-.eml names, so nobody ever parses a half-written message.
      const temp = join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
      try {
        await writeFile(temp, info.message, { flag: "wx", mode: 0o600 });
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      // The links are the point of this line: without SMTP, the operator copies them from the log.
      opts.logger.info(
        { to: message.to, subject: message.subject, file, links: findLinks(message.text) },
        "mail written to outbox",
      );
    },
    async close() {
      (await transport)?.close();
    },
  };
}
