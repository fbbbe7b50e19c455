import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { codeAt, enrollTotp, passwordStep, signedUp } from "./test-helpers.js";

// "Remember this browser" lets a browser skip the second factor for 30 days, so, like forgetting one,
// it must show in the owner's security history with where it came from.
describe.each(testDatabases())("remembered browsers on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  const rememberedRows = (body: string) =>
    [...body.matchAll(/<tr[^>]*data-event="remembered_browser\.created"[^>]*>([\s\S]*?)<\/tr>/g)].map(
      (m) => m[1]!,
    );

  it("records remembering a browser in the security history, with its IP address and browser", async () => {
    const { secret } = await enrollTotp(t, await signedUp(t, "alice"));
    const step = await passwordStep(t, "alice", "10.7.0.1");
    t.clock.advance(30_000);
    const done = await step.post("/account/login/two-factor", {
      code: codeAt(secret, t.clock.now()),
      remember: "1",
    });
    expect(done.statusCode).toBe(303);
    const rows = rememberedRows((await step.get("/account/security-history")).body);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("Browser remembered");
    expect(rows[0]).toContain("10.7.0.1");
    const event = await t.deps.db
      .selectFrom("events")
      .select(["ip", "user_agent"])
      .where("type", "=", "remembered_browser.created")
      .executeTakeFirstOrThrow();
    expect(event.ip).toBe("10.7.0.1");
    expect(event.user_agent).toBeTruthy();
    expect(rows[0]).toContain(`<dt>Browser</dt><dd>${event.user_agent}</dd>`);
  });

  it("records nothing when the box was not ticked", async () => {
    const { secret } = await enrollTotp(t, await signedUp(t, "alice"));
    const step = await passwordStep(t, "alice", "10.7.0.2");
    t.clock.advance(30_000);
    await step.post("/account/login/two-factor", { code: codeAt(secret, t.clock.now()) });
    expect(rememberedRows((await step.get("/account/security-history")).body)).toHaveLength(0);
  });
});
