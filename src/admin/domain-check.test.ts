import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY, HOUR } from "../lib/clock.js";
import { isAbandoned } from "../recovery/index.js";
import { createTestApp, FakeDns, type TestApp, testDatabases, type Zone } from "../test-support/index.js";
import { runDomainChecks } from "./domain-check.js";
import { getCheck } from "./domain-check-store.js";
import { account, auditRows } from "./test-helpers.js";

const CANARY: Zone = { "example.com": { mx: [{ priority: 0, exchange: "." }], a: ["192.0.2.1"] } };
const MAIL = { mx: [{ priority: 10, exchange: "mx.provider.example" }] };

describe.each(testDatabases())("the email-domain DNS check on %s", (kind) => {
  let t: TestApp;
  let dns: FakeDns;
  beforeEach(async () => {
    t = await createTestApp(kind, {
      domainCheck: { dnsServers: [], intervalMs: 0, batch: 100, maxAccounts: 2, canary: "example.com" },
    });
    dns = new FakeDns({ ...CANARY, "fine.example": MAIL });
  });
  afterEach(() => t.close());

  const run = (only?: string) => runDomainChecks(t.deps, dns, { only });
  const outcome = async (domain: string, only?: string) =>
    (await run(only)).checked.find((c) => c.domain === domain)?.outcome;
  const abandoned = (email: string) => isAbandoned(t.deps.db, email);

  it("marks a vanished domain (NXDOMAIN) only on the third check, a day apart, as system:dns-check", async () => {
    await account(t, "ann", "ann@lapsed.example");
    await account(t, "cat", "cat@fine.example");
    dns.zone["lapsed.example"] = MAIL;
    expect(await outcome("lapsed.example")).toBe("accepts");
    // The registration lapses: the registry drops the delegation, every lookup says NXDOMAIN.
    delete dns.zone["lapsed.example"];
    t.clock.advance(7 * DAY);
    expect(await outcome("lapsed.example")).toBe("failing");
    t.clock.advance(DAY);
    expect(await outcome("lapsed.example")).toBe("failing");
    expect(await abandoned("ann@lapsed.example")).toBe(false);
    t.clock.advance(DAY);
    const third = await run();
    expect(third.checked.map((c) => [c.domain, c.outcome])).toEqual([["lapsed.example", "flagged"]]);
    expect(await abandoned("ann@lapsed.example")).toBe(true);
    expect(await abandoned("cat@fine.example")).toBe(false);
    const mark = await t.deps.db.selectFrom("abandoned_email_domains").selectAll().executeTakeFirstOrThrow();
    expect(mark).toMatchObject({ domain: "lapsed.example", marked_by: "system:dns-check" });
    expect(mark.reason).toMatch(
      /^DNS check: MX: NXDOMAIN \(ENOTFOUND\): the domain does not exist, on 3 checks since /,
    );
    const audit = (await auditRows(t)).map((r) => [r.actor_name, r.action, r.target, r.data]);
    expect(audit).toEqual([
      [
        "system:dns-check",
        "domain.abandon",
        "lapsed.example",
        expect.objectContaining({ accounts: 1, result: "nxdomain", failures: 3 }),
      ],
    ]);
  });

  it("checks run the same day do not lengthen the streak", async () => {
    await account(t, "ann", "ann@lapsed.example");
    for (let i = 0; i < 5; i++) {
      expect(await outcome("lapsed.example", "lapsed.example")).toBe("failing");
      t.clock.advance(HOUR);
    }
    expect((await getCheck(t.deps.db, "lapsed.example"))?.failures).toBe(1);
    expect(await abandoned("ann@lapsed.example")).toBe(false);
  });

  it("no MX but an A or AAAA record is a mail host (RFC 5321 implicit MX)", async () => {
    await account(t, "ann", "ann@a-only.example");
    await account(t, "ben", "ben@v6-only.example");
    dns.zone["a-only.example"] = { a: ["192.0.2.25"] };
    dns.zone["v6-only.example"] = { aaaa: ["2001:db8::25"] };
    for (let i = 0; i < 4; i++) {
      const r = await run();
      for (const c of r.checked) expect(c.outcome).toBe("accepts");
      t.clock.advance(8 * DAY);
    }
    expect(await abandoned("ann@a-only.example")).toBe(false);
  });

  it("a null MX (RFC 7505) or a name with no records at all is evidence like NXDOMAIN", async () => {
    await account(t, "ann", "ann@nullmx.example");
    await account(t, "ben", "ben@empty.example");
    dns.zone["nullmx.example"] = { mx: [{ priority: 0, exchange: "" }], a: ["192.0.2.9"] };
    dns.zone["empty.example"] = {};
    for (let i = 0; i < 3; i++) {
      await run();
      t.clock.advance(DAY);
    }
    expect(await abandoned("ann@nullmx.example")).toBe(true);
    expect(await abandoned("ben@empty.example")).toBe(true);
    const reasons = (await auditRows(t)).map((r) => r.data.result);
    expect(reasons.sort()).toEqual(["no_records", "null_mx"]);
  });

  it("SERVFAIL and timeouts are no evidence: they neither count nor break the streak", async () => {
    await account(t, "ann", "ann@flaky.example");
    const states: Array<string | undefined> = [];
    for (const answer of [undefined, "SERVFAIL", "TIMEOUT", undefined, "SERVFAIL", undefined] as const) {
      if (answer) dns.zone["flaky.example"] = answer;
      else delete dns.zone["flaky.example"];
      states.push(await outcome("flaky.example"));
      t.clock.advance(DAY);
    }
    expect(states).toEqual(["failing", "unknown", "unknown", "failing", "unknown", "flagged"]);
  });

  it("a domain that answers again in between starts the count over", async () => {
    await account(t, "ann", "ann@blip.example");
    const states: Array<string | undefined> = [];
    for (const up of [false, false, true, false, false]) {
      if (up) dns.zone["blip.example"] = MAIL;
      else delete dns.zone["blip.example"];
      states.push(await outcome("blip.example", "blip.example"));
      t.clock.advance(DAY);
    }
    expect(states).toEqual(["failing", "failing", "accepts", "failing", "failing"]);
    expect(await abandoned("ann@blip.example")).toBe(false);
  });

  it("a marked domain that resolves again is shown as such, audited once, and stays marked", async () => {
    await account(t, "ann", "ann@lapsed.example");
    for (let i = 0; i < 3; i++) {
      await run();
      t.clock.advance(DAY);
    }
    expect(await abandoned("ann@lapsed.example")).toBe(true);
    // Someone registers the lapsed name and points its MX at their own server.
    dns.zone["lapsed.example"] = { mx: [{ priority: 10, exchange: "mx.attacker.example" }] };
    t.clock.advance(DAY);
    expect(await outcome("lapsed.example", "lapsed.example")).toBe("resolves_again");
    expect(await outcome("lapsed.example", "lapsed.example")).toBe("resolves_again");
    expect(await abandoned("ann@lapsed.example")).toBe(true);
    const check = await getCheck(t.deps.db, "lapsed.example");
    expect(check).toMatchObject({
      result: "accepts",
      detail: "mx.attacker.example",
      resolvesAgainAt: t.clock.now(),
    });
    expect((await auditRows(t)).map((r) => [r.actor_name, r.action])).toEqual([
      ["system:dns-check", "domain.abandon"],
      ["system:dns-check", "domain.dns_resolves_again"],
    ]);
  });

  it("a vanished domain with more verified accounts than the cap is reported, not marked", async () => {
    for (const u of ["ann", "ben", "cat"]) await account(t, u, `${u}@bigcorp.example`);
    for (let i = 0; i < 4; i++) {
      await run();
      t.clock.advance(DAY);
    }
    expect(await abandoned("ann@bigcorp.example")).toBe(false);
    expect(await getCheck(t.deps.db, "bigcorp.example")).toMatchObject({
      accounts: 3,
      failures: 4,
      flaggedAt: null,
    });
    const audit = await auditRows(t);
    expect(audit.map((r) => [r.actor_name, r.action, r.target])).toEqual([
      ["system:dns-check", "domain.dns_report", "bigcorp.example"],
    ]);
    expect(audit[0]!.reason).toContain("3 verified accounts is above WHARF_DOMAIN_CHECK_MAX_ACCOUNTS (2)");
  });

  it("nothing is recorded when the resolver cannot resolve the canary (it says NXDOMAIN for everything)", async () => {
    await account(t, "ann", "ann@fine.example");
    const broken = new FakeDns({});
    for (let i = 0; i < 4; i++) {
      const r = await runDomainChecks(t.deps, broken);
      expect(r.checked).toEqual([]);
      expect(r.canaryFailed).toContain("example.com");
      t.clock.advance(DAY);
    }
    expect(await getCheck(t.deps.db, "fine.example")).toMatchObject({ checkedAt: null, failures: 0 });
    expect(await abandoned("ann@fine.example")).toBe(false);
  });

  it("only domains of verified addresses are checked, each once per run", async () => {
    await account(t, "ann", "ann@fine.example");
    await account(t, "ben", "ben@fine.example");
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: null })
      .where("username", "=", "ben")
      .execute();
    await account(t, "cat", "cat@unverified.example");
    await t.deps.db
      .updateTable("users")
      .set({ email_verified_at: null })
      .where("username", "=", "cat")
      .execute();
    const r = await run();
    expect(r.checked.map((c) => c.domain)).toEqual(["fine.example"]);
    expect(dns.asked.filter((n) => n === "unverified.example")).toEqual([]);
    expect(await getCheck(t.deps.db, "fine.example")).toMatchObject({ accounts: 1 });
  });

  it("restoring a flagged domain needs a fresh run of failed checks before it is marked again", async () => {
    await account(t, "ann", "ann@lapsed.example");
    for (let i = 0; i < 3; i++) {
      await run();
      t.clock.advance(DAY);
    }
    const { restoreDomain } = await import("./domains.js");
    await restoreDomain(t.deps, { id: "op", name: "op", ip: "" }, "lapsed.example", "false alarm");
    expect(await getCheck(t.deps.db, "lapsed.example")).toMatchObject({ failures: 0, flaggedAt: null });
    expect(await outcome("lapsed.example", "lapsed.example")).toBe("failing");
    expect(await abandoned("ann@lapsed.example")).toBe(false);
  });
});
