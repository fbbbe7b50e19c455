import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMessage } from "../test-support/mime.js";
import { readOutbox } from "../test-support/outbox.js";
import { createMailer, findLink, type MailLogger } from "./index.js";

const FROM = "Wharf <noreply@wharf.test>";
const VERIFY_PREFIX = "https://wharf.test/account/verify-email?token=";
// 200 characters long: far past the 76-character quoted-printable line limit, so it gets soft breaks.
const TOKEN = "t".repeat(200 - VERIFY_PREFIX.length);
const LONG_URL = `${VERIFY_PREFIX}${TOKEN}`;
const VERIFY_TEXT = `Hello Zoë Ünïcødé,\n\nConfirm your address: ${LONG_URL}\n\nIgnore https://wharf.test/help.\n`;

function recordingLogger(): MailLogger & { lines: { obj: object; msg: string }[] } {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, info: (obj, msg) => lines.push({ obj, msg }) };
}

describe("outbox mailer", () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), "wharf-mail-")), "outbox");
  });
  afterEach(async () => {
    await rm(join(dir, ".."), { recursive: true, force: true });
  });

  it("is the default when no SMTP URL is configured and writes one .eml per message", async () => {
    const mailer = createMailer({ outboxDir: dir, from: FROM, logger: recordingLogger() });
    expect(mailer.kind).toBe("outbox");
    await mailer.send({ to: "a@example.com", subject: "One", text: "first" });
    await mailer.send({ to: "b@example.com", subject: "Two", text: "second" });
    await mailer.close();
    const names = await readdir(dir);
    expect(names).toHaveLength(2);
    expect(names.every((n) => n.endsWith(".eml"))).toBe(true);
  });

  it("reads messages back oldest first with exact non-ASCII text and an unbroken 200-char URL", async () => {
    expect(LONG_URL).toHaveLength(200);
    const mailer = createMailer({ outboxDir: dir, from: FROM, logger: recordingLogger() });
    const subjects = ["Vérifiez votre adresse — Wharf ✓", "Second", "Third, no trailing newline"];
    await mailer.send({ to: "Zoë Ünïcødé <zoe@example.com>", subject: subjects[0]!, text: VERIFY_TEXT });
    await mailer.send({ to: "b@example.com", subject: subjects[1]!, text: "=3D is not an escape\n" });
    await mailer.send({ to: "c@example.com", subject: subjects[2]!, text: "ends here  " });

    const messages = await readOutbox(dir);
    expect(messages.map((m) => m.subject)).toEqual(subjects);
    expect(messages[0]).toMatchObject({ to: "Zoë Ünïcødé <zoe@example.com>", text: VERIFY_TEXT });
    expect(messages[1]!.text).toBe("=3D is not an escape\n");
    expect(messages[2]!.text).toBe("ends here  ");
    expect(Math.abs(messages[0]!.date.getTime() - Date.now())).toBeLessThan(60_000);
    expect(findLink(messages[0]!.text, "/account/verify-email")).toBe(LONG_URL);
  });

  it("writes a real RFC 5322 message with automated-mail headers", async () => {
    const mailer = createMailer({ outboxDir: dir, from: FROM, logger: recordingLogger() });
    await mailer.send({ to: "a@example.com", subject: "Hi", text: VERIFY_TEXT });
    const [message] = await readOutbox(dir);
    const { headers } = parseMessage(await readFile(message!.file));
    expect(headers.get("from")).toBe(FROM);
    expect(headers.get("auto-submitted")).toBe("auto-generated");
    expect(headers.get("message-id")).toMatch(/^<[^@\s]+@wharf\.test>$/);
    expect(headers.get("content-type")).toMatch(/^text\/plain; charset=utf-8$/i);
    expect(Number.isNaN(message!.date.getTime())).toBe(false);
  });

  it("logs every link so an operator without SMTP can pass it on", async () => {
    const logger = recordingLogger();
    const mailer = createMailer({ outboxDir: dir, from: FROM, logger });
    await mailer.send({ to: "a@example.com", subject: "Verify", text: VERIFY_TEXT });
    const [message] = await readOutbox(dir);
    expect(logger.lines).toEqual([
      {
        msg: "mail written to outbox",
        obj: {
          to: "a@example.com",
          subject: "Verify",
          file: message!.file,
          links: [LONG_URL, "https://wharf.test/help"],
        },
      },
    ]);
  });

  it("reads a missing outbox as empty and ignores half-written temp files", async () => {
    expect(await readOutbox(dir)).toEqual([]);
    const mailer = createMailer({ outboxDir: dir, from: FROM, logger: recordingLogger() });
    await mailer.send({ to: "a@example.com", subject: "Only", text: "x" });
    expect((await readdir(dir)).filter((n) => n.startsWith("."))).toEqual([]);
    expect(await readOutbox(dir)).toHaveLength(1);
  });
});

describe("findLink", () => {
  const text =
    "See <https://h.test/account/verify-email-change?t=1>, or (http://h.test/account/verify-email?t=2).";

  it("returns the first http(s) link whose path starts with the prefix, without wrapping punctuation", () => {
    expect(findLink(text, "/account/verify-email?")).toBeUndefined();
    expect(findLink(text, "/account/verify-email")).toBe("https://h.test/account/verify-email-change?t=1");
    expect(findLink("go to http://h.test/reset/abc.", "/reset/")).toBe("http://h.test/reset/abc");
  });

  it("ignores links on other paths, non-http schemes and text without links", () => {
    expect(findLink("ftp://h.test/account/x and https://h.test/other", "/account/")).toBeUndefined();
    expect(findLink("no links here", "/")).toBeUndefined();
  });
});

interface SmtpHarness {
  url: string;
  received: string[];
  close(): Promise<void>;
}

async function startSmtpServer(extra: Partial<SMTPServerOptions> = {}): Promise<SmtpHarness> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push(Buffer.concat(chunks).toString("latin1"));
        callback();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

describe("SMTP mailer", () => {
  let smtp: SmtpHarness | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it("delivers the message to the SMTP server with the right recipient, subject and body", async () => {
    smtp = await startSmtpServer();
    const logger = recordingLogger();
    const mailer = createMailer({ outboxDir: "/nonexistent", smtpUrl: smtp.url, from: FROM, logger });
    expect(mailer.kind).toBe("smtp");
    await mailer.send({ to: "Zoë <zoe@example.com>", subject: "Vérifiez ✓", text: VERIFY_TEXT });
    await mailer.close();

    expect(smtp.received).toHaveLength(1);
    const { headers, text } = parseMessage(Buffer.from(smtp.received[0]!, "latin1"));
    expect(headers.get("to")).toBe("Zoë <zoe@example.com>");
    expect(headers.get("subject")).toBe("Vérifiez ✓");
    expect(headers.get("auto-submitted")).toBe("auto-generated");
    expect(text).toBe(VERIFY_TEXT);
    // Delivered mail carries live tokens; the log must not.
    expect(logger.lines).toEqual([
      { msg: "mail sent", obj: { to: "Zoë <zoe@example.com>", subject: "Vérifiez ✓" } },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN.slice(0, 20));
  });

  it("rejects send() with a clear message when the server refuses the recipient", async () => {
    smtp = await startSmtpServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      },
    });
    const logger = recordingLogger();
    const mailer = createMailer({ outboxDir: "/nonexistent", smtpUrl: smtp.url, from: FROM, logger });
    const sending = mailer.send({ to: "ghost@example.com", subject: "Hi", text: "x" });
    await expect(sending).rejects.toThrow(
      /SMTP delivery of "Hi" to ghost@example\.com failed: .*No such user here/,
    );
    await mailer.close();
    expect(smtp.received).toEqual([]);
    expect(logger.lines).toEqual([]);
  });
});
