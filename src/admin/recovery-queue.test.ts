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
