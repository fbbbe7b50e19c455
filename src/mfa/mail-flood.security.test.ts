/**
 * Issue 11 LOW 14: one burst of bad second-factor codes sent 48 x "A reused authenticator code was
 * refused" and 48 x "Many failed two-factor attempts". Security mails of a kind are coalesced per
 * account (one per 15 minutes), decided atomically so parallel requests cannot all send.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername } from "../accounts/index.js";
import { claimMailSlot } from "../events/index.js";
import { MINUTE } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "./test-helpers.js";

const BURST = 48;

describe.each(testDatabases())("security mail floods on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  const mails = async (subject: string) =>
    (await t.outbox()).filter((m) => m.to === "alice@example.com" && m.subject.includes(subject)).length;

  it("a parallel burst of replayed and wrong codes mails the owner once per kind", async () => {
    const web = await signedUp(t, "alice");
    const { secret } = await enrollTotp(t, web);
    t.clock.advance(30_000);
    const code = codeAt(secret, t.clock.now());
    const first = await passwordStep(t, "alice");
    expect((await first.post("/account/login/two-factor", { code })).statusCode).toBe(303);

    const attacker = await passwordStep(t, "alice", "127.0.0.3");
    const replays = await Promise.all(
      Array.from({ length: BURST }, () => attacker.post("/account/login/two-factor", { code })),
    );
    expect(replays.every((r) => r.statusCode === 400 || r.statusCode === 429)).toBe(true);
    const guesser = await passwordStep(t, "alice", "127.0.0.4");
    const wrong = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        guesser.post("/account/login/two-factor", { code: String(100000 + i) }),
      ),
    );
    expect(wrong.every((r) => r.statusCode === 400 || r.statusCode === 429)).toBe(true);

    expect(await mails("A reused authenticator code was refused")).toBe(1);
    expect(await mails("Many failed two-factor attempts")).toBe(1);
  });

  it("the slot is claimed once by racing callers, and again after the window", async () => {
    await signedUp(t, "alice");
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    const race = () =>
      Promise.all(
        Array.from({ length: BURST }, () =>
          claimMailSlot(t.deps.db, t.clock.now(), alice.id, "mfa.failures_burst"),
        ),
      );
    expect((await race()).filter(Boolean)).toHaveLength(1);
    // Another kind is not held back by the first.
    expect(await claimMailSlot(t.deps.db, t.clock.now(), alice.id, "mfa.totp_replay")).toBe(true);
    t.clock.advance(14 * MINUTE);
    expect((await race()).filter(Boolean)).toHaveLength(0);
    t.clock.advance(MINUTE);
    expect((await race()).filter(Boolean)).toHaveLength(1);
  });
});
