import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername, registerUser, type User } from "../accounts/index.js";
import { transaction } from "../db/index.js";
import { recordEvent } from "../events/index.js";
import { HOUR, MINUTE } from "../lib/clock.js";
import type { Mailer } from "../mail/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { attachOutbox, deliverOutbox, MAX_ATTEMPTS } from "./index.js";
import { passwordChanged } from "./templates/accounts.js";
import { totpReplayed } from "./templates/mfa.js";

const SUBJECT = "[Wharf] Your password was changed";

describe.each(testDatabases())("notification outbox on %s", (kind) => {
  let t: TestApp;
  let alice: User;
  beforeEach(async () => {
    t = await createTestApp(kind);
    await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      {
        username: "alice",
        email: "alice@example.com",
        password: "correct horse battery staple",
        verified: true,
      },
      { viaOperator: true },
    );
    alice = (await getUserByUsername(t.deps.db, "alice"))!;
  });
  afterEach(() => t.close());

  const passwordEvent = () => ({
    type: "password.changed" as const,
    userId: alice.id,
    notify: {
      to: alice.email,
      template: passwordChanged,
      vars: { username: "alice", how: "changed" as const },
    },
  });
  const events = async (type: string) =>
    (await t.deps.db.selectFrom("events").select("id").where("type", "=", type).execute()).length;
  const mails = async (subject: string) => (await t.outbox()).filter((m) => m.subject === subject);
  const queued = () => t.deps.db.selectFrom("notify_outbox").selectAll().execute();
  /** A mailer that fails until the returned function is called. */
  const breakMailer = () => {
    const real = t.deps.mailer;
    const broken: Mailer = { ...real, send: async () => Promise.reject(new Error("SMTP down")) };
    t.deps.mailer = broken;
    return () => {
      t.deps.mailer = real;
    };
  };

  it("an event and its mail commit together, and the mail is sent once the transaction commits", async () => {
    await transaction(t.deps.db, async (tx) => {
      await recordEvent(tx, t.clock.now(), {}, passwordEvent());
      // Not sent while the transaction is open.
      expect(await mails(SUBJECT)).toHaveLength(0);
    });
    expect(await events("password.changed")).toBe(1);
    const sent = await mails(SUBJECT);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe("alice@example.com");
    expect(sent[0]!.text).toContain("Hello alice");
    expect(await queued()).toEqual([]);
  });

  it("a rolled-back transaction leaves neither the event nor its mail, nor uses up a coalescing slot", async () => {
    await expect(
      transaction(t.deps.db, async (tx) => {
        await recordEvent(tx, t.clock.now(), {}, passwordEvent());
        await recordEvent(
          tx,
          t.clock.now(),
          {},
          {
            type: "mfa.totp_replay",
            userId: alice.id,
            notify: { to: alice.email, template: totpReplayed, vars: { username: "alice" }, once: true },
          },
        );
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await events("password.changed")).toBe(0);
    expect(await queued()).toEqual([]);
    expect(await t.outbox()).toHaveLength(0);
    // The owner's one warning per window is still there for a change that does commit.
    await recordEvent(
      t.deps.db,
      t.clock.now(),
      {},
      {
        type: "mfa.totp_replay",
        userId: alice.id,
        notify: { to: alice.email, template: totpReplayed, vars: { username: "alice" }, once: true },
      },
    );
    expect(await mails("[Wharf] A reused authenticator code was refused")).toHaveLength(1);
  });

  it("a mail whose first delivery fails is kept and sent by the job after its backoff", async () => {
    const repair = breakMailer();
    await recordEvent(t.deps.db, t.clock.now(), {}, passwordEvent());
    expect(await events("password.changed")).toBe(1);
    const [row] = await queued();
    expect(row).toMatchObject({
      attempts: 1,
      next_attempt_at: t.clock.now() + MINUTE,
      last_error: "SMTP down",
    });
    repair();
    // Not due yet: the job leaves it.
    expect(await deliverOutbox(t.deps)).toEqual({ sent: 0, failed: 0, gaveUp: 0 });
    t.clock.advance(MINUTE);
    expect(await deliverOutbox(t.deps)).toEqual({ sent: 1, failed: 0, gaveUp: 0 });
    expect(await mails(SUBJECT)).toHaveLength(1);
    expect(await queued()).toEqual([]);
  });

  it("a crash between commit and delivery is made good by the job", async () => {
    // No deliverer attached: the after-commit send does not happen, as if the process died there.
    const detach = attachOutbox(t.deps);
    detach();
    try {
      await transaction(t.deps.db, (tx) => recordEvent(tx, t.clock.now(), {}, passwordEvent()));
    } finally {
      attachOutbox(t.deps);
    }
    expect(await events("password.changed")).toBe(1);
    expect(await mails(SUBJECT)).toHaveLength(0);
    expect(await queued()).toHaveLength(1);
    expect((await deliverOutbox(t.deps)).sent).toBe(1);
    expect(await mails(SUBJECT)).toHaveLength(1);
    // Sent once: a second run finds nothing.
    expect((await deliverOutbox(t.deps)).sent).toBe(0);
    expect(await mails(SUBJECT)).toHaveLength(1);
  });

  it("a mail that keeps failing is given up after its attempts, kept for an operator, not retried", async () => {
    const repair = breakMailer();
    await recordEvent(t.deps.db, t.clock.now(), {}, passwordEvent());
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      t.clock.advance(7 * HOUR);
      await deliverOutbox(t.deps);
    }
    const [row] = await queued();
    expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, gave_up_at: t.clock.now() });
    repair();
    t.clock.advance(7 * HOUR);
    expect(await deliverOutbox(t.deps)).toEqual({ sent: 0, failed: 0, gaveUp: 0 });
    expect(await mails(SUBJECT)).toHaveLength(0);
  });

  it("a mail whose template is no longer known is given up at once", async () => {
    const detach = attachOutbox(t.deps);
    detach();
    await recordEvent(t.deps.db, t.clock.now(), {}, passwordEvent());
    attachOutbox(t.deps);
    await t.deps.db.updateTable("notify_outbox").set({ template: "accounts.gone" }).execute();
    expect(await deliverOutbox(t.deps)).toEqual({ sent: 0, failed: 0, gaveUp: 1 });
  });

  it("coalescing under a parallel burst still sends one mail, and records every event", async () => {
    await Promise.all(
      Array.from({ length: 24 }, () =>
        recordEvent(
          t.deps.db,
          t.clock.now(),
          {},
          {
            type: "mfa.totp_replay",
            userId: alice.id,
            notify: { to: alice.email, template: totpReplayed, vars: { username: "alice" }, once: true },
          },
        ),
      ),
    );
    expect(await events("mfa.totp_replay")).toBe(24);
    expect(await mails("[Wharf] A reused authenticator code was refused")).toHaveLength(1);
  });
});
