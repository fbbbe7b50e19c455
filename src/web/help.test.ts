import { afterEach, describe, expect, it } from "vitest";
import { createTestApp, FormClient, type TestApp } from "../test-support/index.js";

const DAY = 86_400_000;

/** The text of the element with this id, up to its own closing tag (lists and paragraphs here). */
function section(html: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(ul|p)>`).exec(html);
  return (m?.[1] ?? "")
    .replace(/<[^>]+>/g, "")
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

describe("the published account-recovery policy (/help/account-recovery)", () => {
  let t: TestApp | undefined;
  afterEach(() => t?.close());

  it("is public and states this registry's waits, the proofs, how to stop it and the operator path", async () => {
    t = await createTestApp("sqlite", { recoveryWaitMs: 3 * DAY, recoveryCriticalWaitMs: 10 * DAY });
    const res = await t.app.inject({ url: "/help/account-recovery" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    // The waits come from the settings, not from a fixed text.
    expect(section(res.body, "recovery-waits")).toMatch(/3 days.*10 days.*critical project/);
    const proofs = section(res.body, "recovery-proofs");
    expect(proofs).toContain("API token");
    expect(proofs).toContain("completed a sign-in to the account before");
    expect(proofs).toContain("session of the account is still open");
    const stop = section(res.body, "recovery-stop");
    expect(stop).toContain("stop link in the recovery email");
    expect(stop).toContain("revoking the API token");
    expect(section(res.body, "recovery-operators")).toMatch(/operators' queue.*audit log/);
  });

  it("shows the default waits (7 and 14 days) when the operator set none", async () => {
    t = await createTestApp("sqlite");
    const res = await t.app.inject({ url: "/help/account-recovery" });
    expect(section(res.body, "recovery-waits")).toMatch(/7 days.*14 days/);
  });

  it("is linked from the sign-in page and from the recovery pages", async () => {
    t = await createTestApp("sqlite");
    const web = new FormClient(t.app);
    // The stop page without a link still answers (403, "use the link in the email"), with the policy link.
    for (const url of ["/account/login", "/account/recovery", "/account/recovery/stop"]) {
      const page = await web.get(url);
      expect(page.statusCode, url).toBeLessThan(500);
      expect(page.body, url).toContain('href="/help/account-recovery"');
    }
    await web.get("/account/recovery");
    const sent = await web.post("/account/recovery", { login: "nobody" });
    expect(sent.body).toContain('href="/help/account-recovery"');
  });
});
