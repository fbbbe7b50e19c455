import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, describeConfig, loadConfig } from "../config.js";
import { startDnsServer } from "../test-support/index.js";
import { createResolver, lookupMail, NodeDnsResolver } from "./index.js";

/*
 * The real resolver (node:dns/promises) against a DNS server on loopback: the test double's outcomes
 * must be the ones c-ares reports for the same wire answers (NXDOMAIN is ENOTFOUND, an empty answer
 * ENODATA, a null MX an exchange of "").
 */
describe("NodeDnsResolver against a DNS server on loopback", () => {
  let server: Awaited<ReturnType<typeof startDnsServer>>;
  let dns: NodeDnsResolver;
  beforeAll(async () => {
    server = await startDnsServer({
      "mx.example": {
        mx: [
          { priority: 10, exchange: "mail.mx.example" },
          { priority: 5, exchange: "in.mx.example" },
        ],
      },
      "a-only.example": { a: ["192.0.2.7"] },
      "v6-only.example": { aaaa: ["2001:db8::25"] },
      "nullmx.example": { mx: [{ priority: 0, exchange: "." }], a: ["192.0.2.8"] },
      "empty.example": {},
      "broken.example": "SERVFAIL",
      "refused.example": "REFUSED",
      "slow.example": "TIMEOUT",
    });
    dns = new NodeDnsResolver({ servers: [server.address], timeoutMs: 200, tries: 1 });
  });
  afterAll(() => server.close());

  it("classifies each answer as the abandonment check needs it", async () => {
    expect(await lookupMail(dns, "mx.example")).toEqual({
      verdict: "accepts",
      via: "mx",
      hosts: ["in.mx.example", "mail.mx.example"],
    });
    expect(await lookupMail(dns, "a-only.example")).toEqual({
      verdict: "accepts",
      via: "implicit",
      hosts: ["192.0.2.7"],
    });
    expect(await lookupMail(dns, "v6-only.example")).toEqual({
      verdict: "accepts",
      via: "implicit",
      hosts: ["2001:db8::25"],
    });
    expect(await lookupMail(dns, "nullmx.example")).toMatchObject({ verdict: "none", reason: "null_mx" });
    expect(await lookupMail(dns, "empty.example")).toMatchObject({ verdict: "none", reason: "no_records" });
    expect(await lookupMail(dns, "gone.example")).toMatchObject({ verdict: "none", reason: "nxdomain" });
    for (const [name, code] of [
      ["broken.example", "ESERVFAIL"],
      ["refused.example", "EREFUSED"],
      ["slow.example", "ETIMEOUT"],
    ])
      expect(await lookupMail(dns, name!)).toEqual({
        verdict: "unknown",
        detail: `MX lookup failed (${code})`,
      });
  });

  it("a resolver nobody answers on is no evidence either", async () => {
    const silent = new NodeDnsResolver({ servers: ["127.0.0.1:9"], timeoutMs: 200, tries: 1 });
    expect((await lookupMail(silent, "mx.example")).verdict).toBe("unknown");
  });
});

describe("the DNS settings", () => {
  it("the server and the CLI use node:dns: the host's servers by default, WHARF_DNS_SERVERS when set", async () => {
    const byDefault = createResolver(loadConfig({}));
    expect(byDefault).toBeInstanceOf(NodeDnsResolver);
    expect(byDefault.servers).toEqual(["system default"]);
    const server = await startDnsServer({
      "mx.example": { mx: [{ priority: 1, exchange: "in.mx.example" }] },
    });
    try {
      const config = loadConfig({ WHARF_DNS_SERVERS: ` ${server.address}, 192.0.2.53 ` });
      expect(config.domainCheck.dnsServers).toEqual([server.address, "192.0.2.53"]);
      const dns = createResolver(config);
      expect(dns.servers).toEqual([server.address, "192.0.2.53"]);
      expect(await lookupMail(dns, "mx.example")).toEqual({
        verdict: "accepts",
        via: "mx",
        hosts: ["in.mx.example"],
      });
      expect(describeConfig(config)).toContainEqual(["WHARF_DNS_SERVERS", `${server.address},192.0.2.53`]);
    } finally {
      await server.close();
    }
  });

  it("the job's settings: interval 0 turns it off, nonsense is refused at start-up", () => {
    expect(loadConfig({}).domainCheck).toEqual({
      dnsServers: [],
      intervalMs: 60 * 60_000,
      batch: 200,
      maxAccounts: 100,
      canary: "example.com",
    });
    expect(loadConfig({ WHARF_DOMAIN_CHECK_INTERVAL_MINUTES: "0" }).domainCheck.intervalMs).toBe(0);
    expect(() => loadConfig({ WHARF_DNS_SERVERS: "dns.google" })).toThrow(ConfigError);
    expect(() => loadConfig({ WHARF_DNS_SERVERS: "dns.google" })).toThrow(
      /WHARF_DNS_SERVERS \(--dns-servers\)/,
    );
    expect(() => loadConfig({ WHARF_DOMAIN_CHECK_MAX_ACCOUNTS: "0" })).toThrow(
      /WHARF_DOMAIN_CHECK_MAX_ACCOUNTS/,
    );
    expect(() => loadConfig({ WHARF_DOMAIN_CHECK_CANARY: "not a domain" })).toThrow(
      /WHARF_DOMAIN_CHECK_CANARY/,
    );
  });
});
