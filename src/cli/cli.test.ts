import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The CLI as an operator runs it: the built dist/main.js in a child process (npm test builds first).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

describe("wharf CLI", () => {
  let dataDir: string;
  const run = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], {
      input,
      encoding: "utf8",
      env: {
        ...process.env,
        WHARF_DATA_DIR: dataDir,
        WHARF_LOG_LEVEL: "warn",
        WHARF_DATABASE_URL: "",
        CI: "",
      },
      timeout: 30_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(() => {
    if (!existsSync(MAIN)) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("prints help for the program and for each command", () => {
    const main = run(["--help"]);
    expect(main.code).toBe(0);
    expect(main.out).toContain("user create");
    for (const cmd of [["serve"], ["migrate"], ["config", "check"], ["user", "create"], ["user", "list"]]) {
      const r = run([...cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: wharf ${cmd.join(" ")}`);
    }
  });

  it.each([
    [["user"], "Usage: wharf user <", "user reset-mfa USERNAME"],
    [["token"], "Usage: wharf token <", "token create --user U"],
    [["config"], "Usage: wharf config <", "config check"],
    [["policy"], "Usage: wharf policy <command>", "rule set"],
    [["policy", "rule"], "Usage: wharf policy <command>", "rule set"],
    [["policy", "critical"], "Usage: wharf policy <command>", "critical add"],
    [["policy", "compute"], "Usage: wharf policy <command>", "compute"],
    [["policy", "simulate"], "Usage: wharf policy <command>", "simulate"],
    [["policy", "mandate"], "Usage: wharf policy mandate <", "create"],
    [["policy", "mandate", "create"], "Usage: wharf policy mandate <", "create"],
    [["stats"], "Usage: wharf stats import", "--format"],
    [["stats", "import"], "Usage: wharf stats import", "--format"],
    [["giveaway"], "Usage: wharf giveaway <", "status"],
    [["scope"], "Usage: wharf scope <", "add-owner"],
    [["user", "mfa-status"], "Usage: wharf user mfa-status", "USERNAME"],
    [["user", "reset-mfa"], "Usage: wharf user reset-mfa", "--reason"],
    [["token", "create"], "Usage: wharf token create", "--expires"],
  ])("prints usage and exits 0 for every command group's --help: wharf %s --help", (cmd, usage, mentions) => {
    for (const flag of ["--help", "-h"]) {
      const r = run([...cmd, flag]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(usage);
      expect(r.out).toContain(mentions);
      expect(r.err).not.toContain("Unknown command");
    }
  });

  it("lists a group's subcommands, exiting 2, when the subcommand is missing", () => {
    const r = run(["user"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: wharf user <");
    expect(r.err).not.toContain("Unknown command");
  });

  it("exits 2 with a clear message on an unknown command or flag", () => {
    expect(run(["frobnicate"]).code).toBe(2);
    const r = run(["migrate", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("no-such-flag");
  });

  it("validates settings in config check and exits 2 on a bad value", () => {
    const ok = run(["config", "check"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("WHARF_DATA_DIR");
    const bad = run(["config", "check", "--port", "http"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("WHARF_PORT (--port): must be a port number");
  });

  it("migrates, creates an admin from a piped password and lists accounts", () => {
    expect(run(["migrate"]).out).toMatch(/Applied: 001_accounts|up to date/);
    const created = run(
      [
        "user",
        "create",
        "--username",
        "root-admin",
        "--email",
        "ops@example.com",
        "--password-stdin",
        "--verified",
        "--admin",
        "--reason",
        "first operator",
      ],
      "a long operator passphrase\n",
    );
    expect(created.code).toBe(0);
    expect(created.out).toContain("Created admin user root-admin <ops@example.com> (email verified)");
    const list = run(["user", "list"]);
    expect(list.out).toMatch(/root-admin\s+ops@example.com\s+yes\s+yes/);
  });

  it("refuses to create an account without a password source, or with a bad username, creating nothing", () => {
    const noTty = run(["user", "create", "--username", "x1", "--email", "x1@example.com"], "");
    expect(noTty.code).toBe(2);
    expect(noTty.err).toContain("--password-stdin");
    const bad = run(
      ["user", "create", "--username", "bad name", "--email", "y@example.com", "--password-stdin"],
      "a long operator passphrase",
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Usernames are 1–50 characters");
    expect(run(["user", "list"]).out).not.toMatch(/x1|bad name/);
  });

  it("shows a user's second factors and resets them only with a reason", () => {
    run(
      [
        "user",
        "create",
        "--username",
        "mfa-user",
        "--email",
        "mfa@example.com",
        "--password-stdin",
        "--verified",
      ],
      "a long operator passphrase",
    );
    const status = run(["user", "mfa-status", "mfa-user"]);
    expect(status.code).toBe(0);
    expect(status.out).toContain("mfa: not enrolled");
    expect(status.out).toContain("recovery codes left: 0");
    const noReason = run(["user", "reset-mfa", "mfa-user"]);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain("--reason is required");
    const reset = run(["user", "reset-mfa", "mfa-user", "--reason", "lost phone, verified by video call"]);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain("Reset two-factor authentication for mfa-user");
    expect(run(["user", "mfa-status", "nobody"]).code).toBe(2);
  });

  it("creates and lists MFA mandates, refusing phases out of order", () => {
    const created = run([
      "policy",
      "mandate",
      "create",
      "--name",
      "Critical PyPI",
      "--cohort",
      "critical",
      "--ecosystem",
      "pypi",
      "--notice",
      "2027-01-01",
      "--warn",
      "2027-02-01",
      "--enforce",
      "2027-03-01",
      "--reason",
      "security board decision",
    ]);
    expect(created.code).toBe(0);
    expect(created.out).toContain("Critical PyPI  [scheduled]  pypi  critical  any");
    const bad = run([
      "policy",
      "mandate",
      "create",
      "--name",
      "x",
      "--cohort",
      "all-users",
      "--notice",
      "2027-03-01",
      "--warn",
      "2027-02-01",
      "--enforce",
      "2027-01-01",
      "--reason",
      "security board decision",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Phases must be in order");
    const list = JSON.parse(run(["policy", "mandate", "list", "--json"]).out);
    expect(list).toHaveLength(1);
    expect(list[0].phase).toBe("scheduled");
  });

  it("loads giveaway codes once and reports the inventory", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(dataDir, "codes.csv");
    writeFileSync(file, "code\nYK-1\nYK-2\nYK-1\n");
    expect(run(["giveaway", "load", file, "--reason", "first order arrived"]).out).toContain(
      "Loaded 2 code(s); 1 skipped",
    );
    expect(run(["giveaway", "load", file, "--reason", "first order arrived"]).out).toContain(
      "Loaded 0 code(s); 3 skipped",
    );
    expect(run(["giveaway", "status"]).out).toContain("codes: 2  claimed: 0  available: 2");
  });
});
