import { type Kysely, sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertProject, mfaRequirementOf } from "../../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import * as m014 from "./014_one_mfa_requirement.js";

const WEB = ["none", "any", "phishing-resistant"] as const;
const NPM = ["none", "publish", "automation"] as const;

// What each project asked for before 014, as the one requirement after it.
const EXPECTED: Record<string, { level: string; tokensExempt: boolean }> = {
  "none/none": { level: "none", tokensExempt: false },
  "none/publish": { level: "any", tokensExempt: false },
  "none/automation": { level: "any", tokensExempt: true },
  // A web-only requirement never asked bypass tokens for an OTP: they stay exempt.
  "any/none": { level: "any", tokensExempt: true },
  "any/publish": { level: "any", tokensExempt: false },
  "any/automation": { level: "any", tokensExempt: true },
  "phishing-resistant/none": { level: "phishing-resistant", tokensExempt: true },
  "phishing-resistant/publish": { level: "phishing-resistant", tokensExempt: false },
  "phishing-resistant/automation": { level: "phishing-resistant", tokensExempt: true },
};

describe.each(testDatabases())("migration 014 (one MFA requirement) on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(async () => {
    await t.close();
  });

  it("folds every combination of the web and npm rules into one level and a token exemption", async () => {
    const db = t.deps.db as unknown as Kysely<unknown>;
    const now = t.clock.now();
    await m014.down(db);
    const ids = new Map<string, string>();
    for (const web of WEB) {
      for (const npm of NPM) {
        const name = `p-${web}-${npm}`;
        const p = await insertProject(t.deps.db, now, {
          ecosystem: "npm",
          name,
          normalizedName: name,
          ultranormalizedName: name,
        });
        await sql`UPDATE projects SET mfa_requirement = ${web}, npm_mfa = ${npm} WHERE id = ${p.id}`.execute(
          db,
        );
        ids.set(`${web}/${npm}`, p.id);
      }
    }

    await m014.up(db);
    const got: Record<string, unknown> = {};
    for (const [combo, id] of ids) got[combo] = await mfaRequirementOf(t.deps.db, id);
    expect(got).toEqual(EXPECTED);
    // The old column is gone: nothing can read the old rule by mistake.
    await expect(sql`SELECT npm_mfa FROM projects`.execute(db)).rejects.toThrow();

    // And back: down restores npm's view of each (lossy only where the web level was stricter).
    await m014.down(db);
    const back = await sql<{ name: string; npm_mfa: string }>`SELECT name, npm_mfa FROM projects`.execute(db);
    const npmOf = Object.fromEntries(back.rows.map((r) => [r.name, r.npm_mfa]));
    expect(npmOf["p-none-none"]).toBe("none");
    expect(npmOf["p-none-publish"]).toBe("publish");
    expect(npmOf["p-none-automation"]).toBe("automation");
    await m014.up(db);
  });
});
