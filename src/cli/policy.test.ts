import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The operator's view: the built CLI in a child process on a fresh SQLite data dir (npm test builds first).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

describe("wharf stats and wharf policy", () => {
  let dataDir: string;
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        WHARF_DATA_DIR: dataDir,
        WHARF_LOG_LEVEL: "warn",
        WHARF_DATABASE_URL: "",
        CI: "",
      },
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(() => {
    if (!existsSync(join(import.meta.dirname, "../../dist/cli/policy.js")))
      execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-policy-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("imports a CSV once, ranks, designates by hand and simulates", () => {
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const csv = join(dataDir, "stats.csv");
    const rows = Array.from({ length: 50 }, (_, i) => `${day(1)},pypi,proj-${i},${1000 - i}`);
    writeFileSync(csv, ["date,ecosystem,project,count", ...rows].join("\n"));
    const first = run("stats", "import", csv, "--source", "cdn");
    expect(first.err).toContain("progress: 100%");
    expect(first.out).toContain(
      'Imported stats.csv (csv, source "cdn"): 51 lines, 48,775 downloads of 50 projects',
    );
    // Recognised by its content's hash before it is parsed: refused, naming the earlier import.
    const again = run("stats", "import", csv, "--source", "cdn");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /stats\.csv was already imported \(sha256 [0-9a-f]{16}…\): stats\.csv on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(import [0-9a-f]+, source "cdn", csv, [\d,]+ bytes: 50 project-days over/,
    );
    expect(again.err).toContain("add --force");
    const forced = run("stats", "import", csv, "--source", "cdn", "--force");
    expect(forced.code).toBe(0);
    expect(forced.out).toContain(
      "--force: replacing the earlier import): 51 lines, 48,775 downloads of 50 projects",
    );
    expect(forced.out).toContain("(50 project-days; net change +0)");
    const ledger = run("stats", "imports");
    expect(ledger.out).toContain("cdn        stats.csv  csv (--force)");
    expect(ledger.out).toMatch(
      /[\d,]+ bytes, 50 project-days \(48,775 downloads\) over \d{4}-\d\d-\d\d\.\.\d{4}/,
    );
    expect(JSON.parse(run("stats", "imports", "--json").out)).toMatchObject([
      { fileName: "stats.csv", rows: 50, forced: true },
    ]);

    const ruleArgs = ["policy", "rule", "set", "--ecosystem", "pypi", "--top-k", "3", "--window", "30d"];
    // Issue 13 item 4: a rule change needs a reason (audited) or --dry-run, which saves nothing.
    const noReason = run(...ruleArgs);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain("--reason is required");
    const dry = run(...ruleArgs, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("would designate 0 project(s)");
    expect(dry.out).toContain("emails to maintainers: 0");
    expect(dry.out).toContain("Dry run: nothing saved.");
    expect(run("policy", "rule", "show").out).toContain("pypi: the top 1% of projects");
    const rule = run(...ruleArgs, "--reason", "top 3 for the pilot, OPS-7");
    expect(rule.out).toContain("Saved: pypi: the 3 most downloaded projects over the last 30 days, sticky;");
    expect(rule.out).toMatch(/recorded in the audit log as cli:[^@]+@/);
    const db = new Database(join(dataDir, "wharf.db"), { readonly: true });
    expect(db.prepare("select action, target, reason, actor_name from admin_audit").all()).toEqual([
      {
        action: "critical.rule",
        target: "pypi",
        reason: "top 3 for the pilot, OPS-7",
        actor_name: expect.stringMatching(/^cli:/),
      },
    ]);
    db.close();
    const compute = run("policy", "compute", "--ecosystem", "pypi");
    expect(compute.code).toBe(0);
    // None of the 50 projects is hosted here: ranked, not designated.
    expect(compute.out).toContain(
      "50 projects with downloads; 3 selected (at least 998 downloads), 3 of them not hosted here",
    );
    expect(
      run("policy", "critical", "add", "proj-1", "--ecosystem", "pypi", "--reason", "asked by the PSF").err,
    ).toContain("No pypi project named 'proj-1'");
    const sim = run("policy", "simulate", "--ecosystem", "pypi", "--top", "10%", "--window", "30d", "--json");
    expect(JSON.parse(sim.out)).toMatchObject({
      criticality: [{ population: 50, cohort_size: 0, cohort_unhosted: 5 }],
      maintainers: 0,
    });
    const cross = run("policy", "simulate", "--cohort", "all-users", "--ecosystem", "pypi,npm");
    expect(cross.code).toBe(0);
    expect(cross.out).toContain("cohort all-users in pypi and npm");
    expect(cross.out).toContain("estimated from PyPI uploads of the last 30 days");
    // Issue 16 item 6: the releases a staging rule would have held (none published here yet).
    const staged = run(
      "policy",
      "simulate",
      "--cohort",
      "all-projects",
      "--staging",
      "any",
      "--staging-window",
      "30d",
    );
    expect(staged.code, staged.err).toBe(0);
    expect(staged.out).toContain(
      "staging (approval with any second factor): 0 release(s) of the last 30 days",
    );
    expect(staged.out).toContain(
      "pypi: 0 of 0 release(s) in 0 project(s): 0 by API token, 0 by trusted publisher",
    );
    const bad = run("policy", "simulate", "--cohort", "all-projects", "--staging", "always");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--staging must be none, any or phishing-resistant");
    const draft = run(
      "policy",
      "mandate",
      "simulate",
      "--cohort",
      "all-projects",
      "--staging",
      "phishing-resistant",
      "--json",
    );
    expect(draft.code, draft.err).toBe(0);
    expect(JSON.parse(draft.out).staging).toMatchObject({
      requirement: "phishing-resistant",
      window_days: 90,
      total: 0,
    });

    expect(run("policy", "simulate", "--ecosystem", "pypi", "--top", "1%", "--top-k", "3").code).toBe(2);
    expect(run("policy", "rule", "set", "--ecosystem", "maven", "--top", "1%", "--dry-run").err).toContain(
      "--ecosystem must be",
    );
    expect(run("stats", "import", join(dataDir, "missing.log")).err).toContain("No such file");
    expect(run("policy", "--help").out).toContain("simulate [--cohort");
    // A dozen CLI processes, each starting Node and opening the database: slow on a loaded 2-core machine.
  }, 180_000);
});
