import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../admin/index.js";
import { openDatabase } from "../db/index.js";

// Operator writes from the shell land in the audit log like the console's (issue 13 item 4): the built
// dist/main.js in a child process, as an operator runs it; the log is read back from its database.
const MAIN = join(import.meta.dirname, "../../dist/main.js");
const ACTOR = `cli:${userInfo().username}@${hostname()}`;

describe("wharf CLI operator writes and the audit log", () => {
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
  const audit = async () => {
    const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
    try {
      return await listAudit(handle.db);
    } finally {
      await handle.close();
    }
  };
  /** Runs a write; it must succeed and add exactly one entry, by the shell's operator, with the reason. */
  const expectOneEntry = async (args: string[], action: string, reason: string, input?: string) => {
    const before = (await audit()).length;
    const r = run([...args, "--reason", reason], input);
    expect(r.code, r.err).toBe(0);
    const after = await audit();
    expect(after.length - before).toBe(1);
    expect(after[0]).toMatchObject({ actorName: ACTOR, action, reason, ip: "" });
    return r;
  };
  /** Without --reason: exit 2, a message naming the flag, and nothing written. */
  const expectRefused = async (args: string[], input?: string) => {
    const before = (await audit()).length;
    const r = run(args, input);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining("--reason is required")]);
    expect((await audit()).length).toBe(before);
  };

  beforeAll(() => {
    if (!existsSync(MAIN)) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-audit-"));
    // A first command creates and migrates the database.
    expect(run(["migrate"]).code).toBe(0);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("records user create --admin, token create and reset-mfa, and refuses them without a reason", async () => {
    const create = [
      "user",
      "create",
      "--email",
      "root@example.com",
      "--password-stdin",
      "--verified",
      "--admin",
    ];
    await expectRefused([...create, "--username", "root"], "a long operator passphrase");
    expect(run(["user", "list"]).out).not.toContain("root");
    await expectOneEntry(
      [...create, "--username", "root"],
      "user.create_admin",
      "first operator",
      "a long operator passphrase",
    );
    await expectRefused(["token", "create", "--user", "root"]);
    const t = await expectOneEntry(["token", "create", "--user", "root"], "token.create", "deploy bot");
    expect((await audit())[0]!.data).not.toHaveProperty("token");
    expect(JSON.stringify(await audit())).not.toContain(t.out.trim());
    await expectRefused(["user", "reset-mfa", "root"]);
    await expectOneEntry(["user", "reset-mfa", "root"], "user.reset_mfa", "lost phone, verified by call");
  }, 180_000);

  it("records scope owner changes, giveaway loads and mandate changes, and refuses them without a reason", async () => {
    for (const u of ["alice", "bob"])
      expect(
        run(
          [
            "user",
            "create",
            "--username",
            u,
            "--email",
            `${u}@example.com`,
            "--password-stdin",
            "--verified",
          ],
          "a long operator passphrase",
        ).code,
      ).toBe(0);
    await expectRefused(["scope", "add-owner", "@acme", "alice"]);
    await expectOneEntry(["scope", "add-owner", "@acme", "alice"], "scope.owner_add", "acme asked by mail");
    await expectOneEntry(["scope", "add-owner", "@acme", "bob"], "scope.owner_add", "second owner");
    await expectRefused(["scope", "remove-owner", "@acme", "bob"]);
    await expectOneEntry(["scope", "remove-owner", "@acme", "bob"], "scope.owner_remove", "left the team");

    const codes = join(dataDir, "codes.txt");
    writeFileSync(codes, "CODE-1\nCODE-2\n");
    await expectRefused(["giveaway", "load", codes]);
    await expectOneEntry(["giveaway", "load", codes], "giveaway.load", "first order arrived");
    expect(JSON.stringify((await audit())[0])).not.toContain("CODE-1");

    const phases = ["--notice", "2030-01-01", "--warn", "2030-02-01", "--enforce", "2030-03-01"];
    const mandate = ["--name", "All", "--cohort", "all-projects", ...phases];
    await expectRefused(["policy", "mandate", "create", ...mandate]);
    const created = await expectOneEntry(
      ["policy", "mandate", "create", ...mandate],
      "mandate.create",
      "board decision",
    );
    const id = created.out.split(/\s+/)[0]!;
    await expectRefused(["policy", "mandate", "update", id, ...mandate]);
    await expectOneEntry(
      ["policy", "mandate", "update", id, ...mandate],
      "mandate.update",
      "same dates, checked",
    );
    await expectRefused(["policy", "mandate", "archive", id]);
    await expectOneEntry(["policy", "mandate", "archive", id], "mandate.archive", "replaced by a new one");

    await expectRefused(["policy", "critical", "add", "demo", "--ecosystem", "pypi"]);
    await expectRefused(["policy", "critical", "remove", "demo", "--ecosystem", "pypi"]);
  }, 180_000);
});
