import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerUser } from "../accounts/index.js";
import { addRole, insertProject } from "../packages/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases } from "../test-support/index.js";
import { claimCode, giveawayInventory, loadCodes } from "./index.js";

describe.each(testDatabases())("security-key giveaway on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  async function criticalMaintainers(n: number) {
    const now = t.clock.now();
    const project = await insertProject(t.deps.db, now, {
      ecosystem: "pypi",
      name: "hot",
      normalizedName: "hot",
      ultranormalizedName: "h0t",
    });
    await t.deps.db.updateTable("projects").set({ critical_since: now }).execute();
    const users = [];
    for (let i = 0; i < n; i++) {
      const u = await registerUser(
        t.deps,
        { ip: "127.0.0.1" },
        { username: `m${i}`, email: `m${i}@example.com`, password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      await addRole(t.deps.db, now, project.id, u.id, "maintainer");
      users.push(u);
    }
    return users;
  }

  it("gives exactly 50 codes to 100 parallel claimers, none twice", async () => {
    const users = await criticalMaintainers(100);
    const codes = Array.from({ length: 50 }, (_, i) => `KEY-${String(i).padStart(4, "0")}`);
    expect(await loadCodes(t.deps, `code\n${codes.join("\n")}\n`, "batch-1")).toEqual({
      added: 50,
      skipped: 0,
    });
    const results = await Promise.allSettled(users.map((u) => claimCode(t.deps, { ip: "127.0.0.1" }, u)));
    const given = results
      .filter((r) => r.status === "fulfilled")
      .map((r) => (r as PromiseFulfilledResult<string>).value);
    expect(given).toHaveLength(50);
    expect(new Set(given).size).toBe(50);
    expect(
      results
        .filter((r) => r.status === "rejected")
        .every((r) => (r as PromiseRejectedResult).reason.code === "NO_CODES_LEFT"),
    ).toBe(true);
    const inv = await giveawayInventory(t.deps);
    expect([inv.total, inv.claimed, inv.available]).toEqual([50, 50, 0]);
  });

  it("gives a maintainer at most two codes, refuses non-maintainers, and skips duplicate codes on load", async () => {
    const [m] = await criticalMaintainers(1);
    expect(await loadCodes(t.deps, "A1\nA2\nA3\nA1\n", "b")).toEqual({ added: 3, skipped: 1 });
    await claimCode(t.deps, { ip: "1.1.1.1" }, m!);
    await claimCode(t.deps, { ip: "1.1.1.1" }, m!);
    await expect(claimCode(t.deps, { ip: "1.1.1.1" }, m!)).rejects.toMatchObject({ code: "NOT_ELIGIBLE" });
    const outsider = await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "outsider", email: "o@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    await expect(claimCode(t.deps, { ip: "1.1.1.1" }, outsider)).rejects.toMatchObject({
      code: "NOT_ELIGIBLE",
    });
    const web = new FormClient(t.app);
    await web.get("/account/login");
    await web.post("/account/login", { username: "m0", password: "correct horse battery" });
    const page = await web.get("/account/security-keys");
    expect(page.body).toContain("claimed the 2 codes");
  });
});
