import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCodes } from "../giveaway/index.js";
import {
  createTestApp,
  type FormClient,
  type TestApp,
  testDatabases,
  textOf,
} from "../test-support/index.js";
import { quickUser } from "../test-support/stats.js";
import { maskCode } from "./pages/giveaway.js";
import { auditRows, signedInAdmin } from "./test-helpers.js";

describe.each(testDatabases())("security-key giveaway in the console (%s)", (kind) => {
  let t: TestApp;
  let web: FormClient;
  beforeEach(async () => {
    t = await createTestApp(kind);
    ({ web } = await signedInAdmin(t));
  });
  afterEach(() => t.close());

  const stat = (html: string, id: string) =>
    new RegExp(`data-stat="${id}">[^<]*<b>([^<]*)</b>`).exec(html)?.[1];

  it("masks codes but their last characters", () => {
    expect(maskCode("YUBI-1234-ABCD")).toBe("••••••••••ABCD");
    expect(maskCode("ABC123")).toBe("••••23");
    expect(maskCode("ABCD")).toBe("••••");
  });

  it("loads codes from the form with a batch and a reason, audited without the codes", async () => {
    const page = await web.get("/admin/giveaway");
    expect(page.statusCode).toBe(200);
    expect(stat(page.body, "loaded")).toBe("0");
    const res = await web.post("/admin/giveaway", {
      batch: "yubico-2026-11",
      codes: "code\nAAAA-0001\nAAAA-0002\r\n\nAAAA-0003,extra column\nAAAA-0001\n",
      reason: "First order arrived",
    });
    expect(res.statusCode).toBe(303);
    const after = await web.get("/admin/giveaway");
    expect(after.body).toContain("Loaded 3 codes into “yubico-2026-11” (1 already loaded, skipped).");
    expect(stat(after.body, "loaded")).toBe("3");
    expect(stat(after.body, "remaining")).toBe("3");
    expect(after.body).toMatch(
      /data-batch="yubico-2026-11"><td>yubico-2026-11<\/td><td>3<\/td><td>0<\/td><td>3<\/td>/,
    );
    const audit = await auditRows(t);
    expect(audit.map((a) => [a.action, a.target_type, a.target, a.reason])).toEqual([
      ["giveaway.load", "giveaway", "yubico-2026-11", "First order arrived"],
    ]);
    expect(audit[0]!.data).toEqual({ added: 3, skipped: 1 });
    expect(JSON.stringify(audit)).not.toContain("AAAA-");
  });

  it("shows recent claims with who and when, the codes masked", async () => {
    await loadCodes(t.deps, "SECRET-CODE-0001\nSECRET-CODE-0002\nSECRET-CODE-0003", "b1");
    const alice = await quickUser(t.deps.db, t.clock.now(), { username: "alice" });
    await t.deps.db
      .updateTable("giveaway_codes")
      .set({ claimed_by: alice, claimed_at: t.clock.now() })
      .where("code_hint", "=", "••••••••••••0002")
      .execute();
    const html = (await web.get("/admin/giveaway")).body;
    expect(stat(html, "claimed")).toBe("1");
    expect(stat(html, "remaining")).toBe("2");
    expect(html).toMatch(/data-claim="alice"><td>alice<\/td>/);
    expect(html).toContain("••••••••••••0002");
    expect(html).not.toContain("SECRET-CODE");
  });

  it("shows errors beside the fields and loads nothing", async () => {
    const res = await web.post("/admin/giveaway", { batch: "", codes: " ", reason: "x" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "batch-error")).toContain("Name the batch");
    const noCodes = await web.post("/admin/giveaway", { batch: "b", codes: "\n", reason: "Restock" });
    expect(textOf(noCodes.body, "codes-error")).toContain("at least one code");
    const noReason = await web.post("/admin/giveaway", { batch: "b", codes: "X-1", reason: "" });
    expect(textOf(noReason.body, "reason-error")).toContain("Give a reason");
    expect(noReason.body).toContain("X-1</textarea>");
    const huge = await web.post("/admin/giveaway", {
      batch: "b",
      codes: "C".repeat(20_001),
      reason: "Restock",
    });
    expect(huge.statusCode).toBe(400);
    expect(textOf(huge.body, "codes-error")).toContain("Up to 20,000 characters");
    expect(await t.deps.db.selectFrom("giveaway_codes").selectAll().execute()).toEqual([]);
    expect(await auditRows(t)).toEqual([]);
  });
});
