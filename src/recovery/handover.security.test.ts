/**
 * Recovery links against mail-app previews and between a person's devices (issue 14 item 9): opening a
 * link spends nothing, the button does, once; the same link moves the request to another browser only
 * within the window, only while proofs are being collected, and only one mover wins; every dead link
 * offers to start again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername, type User } from "../accounts/index.js";
import { MINUTE } from "../lib/clock.js";
import { findLink } from "../mail/index.js";
import { enrollTotp, signedUp } from "../mfa/test-helpers.js";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import { openRequestOf } from "./index.js";
import { mailTo } from "./test-helpers.js";

describe.each(testDatabases())("recovery links across browsers (%s)", (kind) => {
  let t: TestApp;
  let alice: User;
  beforeEach(async () => {
    t = await createTestApp(kind);
    await enrollTotp(t, await signedUp(t, "alice"));
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    alice = (await getUserByUsername(t.deps.db, "alice"))!;
  });
  afterEach(() => t.close());

  /** Asks for a link from `web` and returns the link's path and token. */
  async function requestLink(web: FormClient) {
    await web.get("/account/recovery");
    expect((await web.post("/account/recovery", { login: "alice" })).statusCode).toBe(200);
    const url = new URL(
      findLink((await mailTo(t, "alice@example.com", "Confirm"))!.text, "/account/recovery/confirm")!,
    );
    return { path: url.pathname + url.search, token: url.searchParams.get("token")! };
  }
  const state = (body: string) => /data-link-state="([a-z]+)"/.exec(body)?.[1];
  const startAgain = (body: string) =>
    /href="([^"]*)" class="button [a-z]+" id="recovery-start-again"/.exec(body)?.[1];

  it("a mail app's preview (GET, many times, anywhere) spends nothing: the person's button still works", async () => {
    const desktop = new FormClient(t.app, "198.51.100.1");
    const link = await requestLink(desktop);
    for (const ip of ["203.0.113.5", "203.0.113.6", "203.0.113.6"]) {
      const preview = await new FormClient(t.app, ip).get(link.path);
      expect(preview.statusCode).toBe(200);
      expect(state(preview.body)).toBe("fresh");
    }
    expect(await openRequestOf(t.deps.db, alice.id)).toBeNull();
    await desktop.get(link.path);
    const go = await desktop.post("/account/recovery/confirm", { token: link.token });
    expect(go.statusCode).toBe(303);
    expect((await desktop.get("/account/recovery/proofs")).statusCode).toBe(200);
  });

  it("continued on the phone, the desktop that started takes it over with the same link; the phone is out", async () => {
    const desktop = new FormClient(t.app, "198.51.100.1");
    const phone = new FormClient(t.app, "198.51.100.2");
    const link = await requestLink(desktop);
    await phone.get(link.path);
    expect((await phone.post("/account/recovery/confirm", { token: link.token })).statusCode).toBe(303);
    expect((await phone.get("/account/recovery/proofs")).statusCode).toBe(200);

    // The phone sees its own request when it reopens the link; the desktop is offered the move.
    expect(await phone.get(link.path).then((r) => r.body)).toContain(
      "already continued this recovery in this browser",
    );
    const offer = await desktop.get(link.path);
    expect(offer.statusCode).toBe(200);
    expect(state(offer.body)).toBe("movable");
    expect(offer.body).toContain('action="/account/recovery/move"');
    // Pressing Continue instead (the spent link) does not create a second request.
    expect((await desktop.post("/account/recovery/confirm", { token: link.token })).statusCode).toBe(410);

    await desktop.get(link.path);
    const moved = await desktop.post("/account/recovery/move", { token: link.token });
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe("/account/recovery/proofs");
    expect((await desktop.get("/account/recovery/proofs")).statusCode).toBe(200);

    const out = await phone.get("/account/recovery/proofs");
    expect(out.statusCode).toBe(403);
    expect(out.body).toContain("continued in another browser");
    expect(startAgain(out.body)).toBe("/account/recovery");
    expect((await phone.post("/account/recovery/proofs", { api_token: "" })).statusCode).toBe(403);
    // Once moved, it stays: the phone cannot pull it back with the same link.
    await phone.get(link.path);
    expect((await phone.post("/account/recovery/move", { token: link.token })).statusCode).toBe(409);
    expect((await desktop.get("/account/recovery/proofs")).statusCode).toBe(200);

    const requests = await t.deps.db.selectFrom("recovery_requests").select("id").execute();
    expect(requests).toHaveLength(1);
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "recovery.moved")
      .execute();
    expect(events).toHaveLength(1);
  });

  it("racing buttons: of five browsers pressing Continue exactly one wins; of four moving it, exactly one, and only once", async () => {
    const link = await requestLink(new FormClient(t.app, "198.51.100.1"));
    const racers = Array.from({ length: 5 }, (_, i) => new FormClient(t.app, `198.51.100.${10 + i}`));
    for (const r of racers) await r.get(link.path);
    const confirms = await Promise.all(
      racers.map((r) => r.post("/account/recovery/confirm", { token: link.token })),
    );
    expect(confirms.filter((r) => r.statusCode === 303)).toHaveLength(1);
    expect(await t.deps.db.selectFrom("recovery_requests").select("id").execute()).toHaveLength(1);

    const movers = Array.from({ length: 4 }, (_, i) => new FormClient(t.app, `198.51.100.${20 + i}`));
    for (const m of movers) await m.get(link.path);
    const moves = await Promise.all(
      movers.map((m) => m.post("/account/recovery/move", { token: link.token })),
    );
    expect(moves.map((r) => r.statusCode).sort()).toEqual([303, 409, 409, 409]);
    const winner = movers[moves.findIndex((r) => r.statusCode === 303)]!;
    expect((await winner.get("/account/recovery/proofs")).statusCode).toBe(200);
    const stillIn = await Promise.all([...racers, ...movers].map((b) => b.get("/account/recovery/proofs")));
    expect(stillIn.filter((r) => r.statusCode === 200)).toHaveLength(1);
  });

  it("the move is refused after 30 minutes and once proofs were submitted; the page offers to start again", async () => {
    const desktop = new FormClient(t.app, "198.51.100.1");
    const phone = new FormClient(t.app, "198.51.100.2");
    const link = await requestLink(desktop);
    await phone.get(link.path);
    await phone.post("/account/recovery/confirm", { token: link.token });
    await desktop.get(link.path);
    t.clock.advance(31 * MINUTE);
    const late = await desktop.post("/account/recovery/move", { token: link.token });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain("can no longer be moved");
    const page = await desktop.get(link.path);
    expect(page.statusCode).toBe(410);
    expect(state(page.body)).toBe("used");
    expect(startAgain(page.body)).toBe("/account/recovery?login=alice");

    // A fresh link, used on the phone and submitted there: nothing left to move.
    t.clock.advance(24 * 60 * MINUTE);
    const second = await requestLink(desktop);
    await phone.get(second.path);
    await phone.post("/account/recovery/confirm", { token: second.token });
    await phone.get("/account/recovery/proofs");
    await phone.post("/account/recovery/proofs", { api_token: "" });
    expect((await openRequestOf(t.deps.db, alice.id))?.state).toBe("queued");
    await desktop.get(second.path);
    expect((await desktop.post("/account/recovery/move", { token: second.token })).statusCode).toBe(409);
  });

  it("expired, replaced and forged links each explain themselves and offer to start again", async () => {
    const web = new FormClient(t.app, "198.51.100.1");
    const first = await requestLink(web);
    t.clock.advance(11 * MINUTE);
    const expired = await web.get(first.path);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain("has expired");
    expect(startAgain(expired.body)).toBe("/account/recovery?login=alice");

    const second = await requestLink(web);
    await requestLink(web); // a newer link replaces the second
    const replaced = await web.get(second.path);
    expect(replaced.statusCode).toBe(410);
    expect(replaced.body).toContain("already been used, or a newer one replaced it");
    expect(startAgain(replaced.body)).toBe("/account/recovery?login=alice");

    const forged = await web.get(`/account/recovery/confirm?token=${second.token.slice(0, -3)}xyz`);
    expect(forged.statusCode).toBe(400);
    expect(startAgain(forged.body)).toBe("/account/recovery");
    expect(forged.body).not.toContain("alice");
    const none = await web.post("/account/recovery/move", { token: "nonsense" });
    expect(none.statusCode).toBe(409);
    expect(startAgain(none.body)).toBe("/account/recovery");
  });
});
