import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { createTestApp, FakeDns, type TestApp, testDatabases } from "../test-support/index.js";
import { runDomainChecks } from "./domain-check.js";
import { account, signedInAdmin } from "./test-helpers.js";

const MAIL = { mx: [{ priority: 10, exchange: "mx.provider.example" }] };

describe.each(testDatabases())("console: what the DNS check found, on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind, {
      domainCheck: {
        dnsServers: ["192.0.2.53"],
        intervalMs: 60 * 60_000,
        batch: 100,
        maxAccounts: 2,
        canary: "example.com",
      },
    });
  });
  afterEach(() => t.close());

  const rowOf = (body: string, attr: string, domain: string) => {
    const m = new RegExp(`<tr data-${attr}="${domain.replace(/\./g, "\\.")}">(.*?)</tr>`, "s").exec(body);
    return m?.[1] ?? "";
  };

  it("lists flagged domains with their evidence and accounts, suspects, reports and domains resolving again", async () => {
    await account(t, "ann", "ann@lapsed.example");
    await account(t, "ben", "ben@mail.lapsed.example");
    await account(t, "dan", "dan@shaky.example");
    for (const u of ["eve", "fay", "gus"]) await account(t, u, `${u}@bigcorp.example`);
    const dns = new FakeDns({
      "example.com": { a: ["192.0.2.1"] },
      "shaky.example": MAIL,
    });
    for (let i = 0; i < 3; i++) {
      await runDomainChecks(t.deps, dns);
      t.clock.advance(DAY);
    }
    delete dns.zone["shaky.example"];
    await runDomainChecks(t.deps, dns, { only: "shaky.example" });
    // Signed in after the days the checks took (a session would have expired meanwhile).
    const { web } = await signedInAdmin(t);
    const page = await web.get("/admin/domains");
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Every 60 minutes a batch of email domains");
    expect(page.body).toContain("192.0.2.53");

    const flagged = rowOf(page.body, "domain", "lapsed.example");
    expect(flagged).toMatch(/^<td>lapsed.example<\/td><td>2<\/td>/);
    expect(flagged).toContain("system:dns-check");
    expect(flagged).toContain("Detected by the DNS check");
    expect(flagged).toContain("MX: NXDOMAIN (ENOTFOUND): the domain does not exist");
    expect(flagged).toContain('<a href="/admin/users/ann">ann</a>');
    expect(flagged).toContain('<a href="/admin/users/ben">ben</a>');

    const suspect = rowOf(page.body, "suspect", "shaky.example");
    expect(suspect).toContain("No mail host: 1 of 3 checks");
    expect(suspect).toContain('<a href="/admin/users/dan">dan</a>');
    expect(suspect).toContain('href="/admin/domains?domain=shaky.example#mark"');

    const reported = rowOf(page.body, "suspect", "bigcorp.example");
    expect(reported).toContain("Reported, not marked: more than 2 verified accounts use it");
    for (const u of ["eve", "fay", "gus"]) expect(reported).toContain(`<a href="/admin/users/${u}">${u}</a>`);

    // The lapsed name is registered again by someone else: the page says so, the mark stays.
    dns.zone["lapsed.example"] = { mx: [{ priority: 10, exchange: "mx.attacker.example" }] };
    await runDomainChecks(t.deps, dns, { only: "lapsed.example" });
    const after = rowOf((await web.get("/admin/domains")).body, "domain", "lapsed.example");
    expect(after).toContain('data-resolves-again="lapsed.example"');
    expect(after).toContain("Receives mail again since");
    expect(after).toContain("mx.attacker.example");
  });

  it("says when the check is off", async () => {
    const off = await createTestApp(kind, {
      domainCheck: { dnsServers: [], intervalMs: 0, batch: 100, maxAccounts: 2, canary: "example.com" },
    });
    try {
      const { web } = await signedInAdmin(off);
      expect((await web.get("/admin/domains")).body).toContain("The DNS check is off");
    } finally {
      await off.close();
    }
  });
});
