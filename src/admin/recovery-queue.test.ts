import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getUserByUsername } from "../accounts/index.js";
import { DAY, MINUTE } from "../lib/clock.js";
import { enrollTotp, signedUp } from "../mfa/test-helpers.js";
import { completeDueRecoveries, openRequestOf } from "../recovery/index.js";
import { confirmedRequest, mailTo, sharedProject } from "../recovery/test-helpers.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { listAudit } from "./audit.js";
import { signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("recovery queue in the console (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  /** alice (TOTP, co-maintaining with bob) asks for recovery without any proof: it is queued. */
  async function queued() {
    await enrollTotp(t, await signedUp(t, "alice"));
    await signedUp(t, "bob");
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    const bob = (await getUserByUsername(t.deps.db, "bob"))!;
    await sharedProject(t, "shared", [alice, bob]);
    const web = await confirmedRequest(t, "alice", "alice@example.com");
    await web.post("/account/recovery/proofs", { api_token: "" });
    return (await openRequestOf(t.deps.db, alice.id))!;
  }

  it("lists queued requests first with their age, and shows one with its proofs and events", async () => {
    const r = await queued();
    t.clock.advance(3 * DAY);
    const { web } = await signedInAdmin(t);
    const list = await web.get("/admin/recovery");
    expect(list.statusCode).toBe(200);
    expect(list.body).toMatch(new RegExp(`data-request="${r.id}" data-state="queued"`));
    expect(list.body).toContain("3 d");
    expect(list.body).toContain("none — review by hand");
    const detail = await web.get(`/admin/recovery/${r.id}`);
    expect(detail.body).toContain("Recovery of alice");
    expect(detail.body).toContain("Account recovery sent to the operators for review");
  });

  it("gives a minute-old request its age in minutes, and shows one past its proofs window as abandoned", async () => {
    await enrollTotp(t, await signedUp(t, "alice"));
    await t.deps.db.updateTable("users").set({ email_verified_at: t.clock.now() }).execute();
    await confirmedRequest(t, "alice", "alice@example.com");
    const alice = (await getUserByUsername(t.deps.db, "alice"))!;
    const r = (await openRequestOf(t.deps.db, alice.id))!;
    expect(r.state).toBe("proofs");
    t.clock.advance(MINUTE + 5_000);
    const root = await signedInAdmin(t);
    const fresh = await root.web.get("/admin/recovery");
    const row = (body: string) =>
      new RegExp(`<tr[^>]*data-request="${r.id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? "";
    // Issue 14: this read "1 h" (hours floored, then raised to at least one).
    expect(row(fresh.body)).toContain("<td>1 min</td>");
    expect(row(fresh.body)).not.toContain("abandoned");
    // Two days on, the completion job has not run yet: the request is still "proofs" in the table.
    t.clock.advance(2 * DAY);
    const other = await signedInAdmin(t, "other", "10.77.0.2");
    const stale = await other.web.get("/admin/recovery");
    expect(row(stale.body)).toContain('class="stale"');
    expect(row(stale.body)).toContain("abandoned: proofs never submitted");
    expect(row(stale.body)).toContain("<td>2 d</td>");
    const detail = await other.web.get(`/admin/recovery/${r.id}`);
    expect(detail.body).toContain("abandoned: proofs never submitted");
  });

  it("approving needs a reason, starts the waiting period with its notices, and is audited", async () => {
    const r = await queued();
    const { web } = await signedInAdmin(t);
    await web.get(`/admin/recovery/${r.id}`);
    const noReason = await web.post(`/admin/recovery/${r.id}/decide`, { decision: "approve", reason: "" });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain("Give a reason");
    expect((await openRequestOf(t.deps.db, r.userId))!.state).toBe("queued");

    const ok = await web.post(`/admin/recovery/${r.id}/decide`, {
      decision: "approve",
      reason: "video call, ID matched the PyPI profile",
    });
    expect(ok.statusCode).toBe(303);
    const after = (await openRequestOf(t.deps.db, r.userId))!;
    expect(after.state).toBe("waiting");
    expect(after.approvedBy).toBe("root");
    expect(await mailTo(t, "bob@example.com", "alice is recovering their account")).toBeDefined();
    const [entry] = await listAudit(t.deps.db, { action: "recovery.approve" });
    expect(entry).toMatchObject({
      actorName: "root",
      target: "alice",
      reason: "video call, ID matched the PyPI profile",
    });

    t.clock.advance(7 * DAY + MINUTE);
    expect((await completeDueRecoveries(t.deps)).completed).toEqual([r.id]);
  });

  it("denying closes the request, tells the requester why, and nothing changes", async () => {
    const r = await queued();
    const { web } = await signedInAdmin(t);
    await web.get(`/admin/recovery/${r.id}`);
    await web.post(`/admin/recovery/${r.id}/decide`, {
      decision: "deny",
      reason: "could not verify identity",
    });
    expect(await openRequestOf(t.deps.db, r.userId)).toBeNull();
    const mail = await mailTo(t, "alice@example.com", "Account recovery denied");
    expect(mail!.text).toContain("could not verify identity");
    const again = await web.post(`/admin/recovery/${r.id}/decide`, {
      decision: "cancel",
      reason: "second click",
    });
    expect(again.statusCode).toBe(409);
    expect(await listAudit(t.deps.db, { action: "recovery.cancel" })).toHaveLength(0);
  });
});
