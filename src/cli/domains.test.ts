import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/index.js";
import { startDnsServer } from "../test-support/index.js";

// `wharf domains ...` as an operator runs it: the built dist/main.js (npm run build), asking a DNS
// server on loopback through WHARF_DNS_SERVERS, i.e. the real node:dns resolver the server uses too.
const MAIN = join(import.meta.dirname, "../../dist/main.js");
const run = promisify(execFile);

describe("wharf domains (the abandoned-email-domain check)", () => {
  let dataDir: string;
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  const wharf = async (args: string[], stdin?: string) => {
    const child = run(process.execPath, [MAIN, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        WHARF_DATA_DIR: dataDir,
        WHARF_LOG_LEVEL: "error",
        WHARF_DATABASE_URL: "",
        WHARF_DNS_SERVERS: dns.address,
        CI: "",
      },
      timeout: 30_000,
    });
    if (stdin !== undefined) child.child.stdin?.end(stdin);
    try {
      const r = await child;
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-domains-"));
    dns = await startDnsServer({
      "example.com": { mx: [{ priority: 0, exchange: "." }] },
      "fine.example": { mx: [{ priority: 10, exchange: "mx.fine.example" }] },
    });
    for (const [u, email] of [
      ["ann", "ann@lapsed.example"],
      ["cat", "cat@fine.example"],
    ])
      expect(
        (
          await wharf(
            ["user", "create", "--username", u!, "--email", email!, "--verified", "--password-stdin"],
            "correct horse battery staple",
          )
        ).code,
      ).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await dns.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("checks the domains of verified accounts now, records what it found, and lists the suspects", async () => {
    expect((await wharf(["domains", "--help"])).out).toContain("Usage: wharf domains check");
    const noReason = await wharf(["domains", "check"]);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain("--reason is required");

    const checked = await wharf(["domains", "check", "--reason", "first look"]);
    expect(checked.code, checked.err).toBe(0);
    expect(checked.out).toMatch(/^fine\.example\s+accepts\s+mx\.fine\.example$/m);
    expect(checked.out).toMatch(/^lapsed\.example\s+failing\s+MX: NXDOMAIN \(ENOTFOUND\)/m);
    expect(checked.out).toContain(
      `Checked 2 of 2 domain(s) (DNS servers: ${dns.address}): 0 marked abandoned`,
    );

    const list = await wharf(["domains", "list"]);
    expect(list.out).toContain("No domain is marked abandoned.");
    expect(list.out).toMatch(
      /Suspects \(not marked\):\n {2}lapsed\.example {2}1 verified account\(s\) {2}no mail host on 1 check\(s\)/,
    );

    const dry = await wharf(["domains", "check", "--domain", "Fine.Example.", "--dry-run"]);
    expect(JSON.parse(dry.out)).toEqual({
      domain: "fine.example",
      servers: [dns.address],
      verdict: "accepts",
      via: "mx",
      hosts: ["mx.fine.example"],
    });

    // Nothing was marked, so the operator's run left no audit entry.
    const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
    try {
      const audit = await handle.db
        .selectFrom("admin_audit")
        .select("action")
        .where("action", "like", "domain.%")
        .execute();
      expect(audit).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it("a resolver that cannot resolve the canary checks nothing and exits 1", async () => {
    const r = await wharf([
      "domains",
      "check",
      "--reason",
      "again",
      "--domain-check-canary",
      "missing.example",
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Nothing checked: the canary missing.example: MX: NXDOMAIN");
  });
});
