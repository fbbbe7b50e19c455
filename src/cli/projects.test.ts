import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/index.js";
import { insertProject } from "../packages/index.js";

// `wharf project ...` as an operator runs it: the built dist/main.js in a child process (npm run build).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

describe("wharf project (quarantine from the shell)", () => {
  let dataDir: string;
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        WHARF_DATA_DIR: dataDir,
        WHARF_LOG_LEVEL: "warn",
        WHARF_DATABASE_URL: "",
        WHARF_REDIS_URL: "",
        CI: "",
      },
      timeout: 30_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-project-"));
    expect(run(["migrate"]).code).toBe(0);
    const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
    await insertProject(handle.db, Date.now(), {
      ecosystem: "pypi",
      name: "Demo_Pkg",
      normalizedName: "demo-pkg",
      ultranormalizedName: "demopkg",
    });
    await handle.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("quarantines, lists, releases and rejects with a reason, audited as cli:<os user>@<host>", async () => {
    expect(run(["project", "--help"]).out).toContain("Usage: wharf project <quarantine | release | reject>");
    const noReason = run(["project", "quarantine", "pypi/demo-pkg"]);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain("--reason");
    expect(run(["project", "quarantine", "demo-pkg", "--reason", "reported"]).err).toContain(
      "ECOSYSTEM/NAME",
    );
    expect(run(["project", "queue"]).out).toContain("Nothing waits for review.");

    const q = run(["project", "quarantine", "pypi/demo_pkg", "--reason", "reported: steals tokens"]);
    expect(q.code, q.err).toBe(0);
    expect(q.out).toContain("pypi/Demo_Pkg is quarantined");
    // Without Redis the change goes into the change log that running servers read once a second.
    const logged = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
    const changes = await logged.db.selectFrom("change_log").select("project_id").execute();
    await logged.close();
    expect(changes.length).toBe(1);
    const actor = `cli:${userInfo().username}@${hostname()}`;
    expect(run(["project", "queue"]).out).toMatch(
      new RegExp(
        `^pypi/Demo_Pkg  manual  by ${actor.replace(/[.]/g, "\\.")}, .*: reported: steals tokens$`,
        "m",
      ),
    );
    expect(run(["project", "quarantine", "pypi/demo-pkg", "--reason", "again"]).err).toContain(
      "This project is already quarantined.",
    );
    expect(run(["project", "reject", "pypi/nope", "--reason", "gone"]).code).toBe(2);

    const released = run(["project", "release", "pypi/demo-pkg", "--reason", "false report"]);
    expect(released.code, released.err).toBe(0);
    expect(released.out).toContain("pypi/Demo_Pkg is released and served again.");
    expect(run(["project", "reject", "pypi/demo-pkg", "--reason", "after release"]).err).toContain(
      "This project has no open quarantine.",
    );
    expect(run(["project", "quarantine", "pypi/demo-pkg", "--reason", "second look"]).code).toBe(0);
    expect(run(["project", "reject", "pypi/demo-pkg", "--reason", "confirmed malware"]).code).toBe(0);
    expect(run(["project", "queue"]).out).toContain("Nothing waits for review.");

    const handle = openDatabase(`sqlite:${join(dataDir, "wharf.db")}`);
    const audit = await handle.db
      .selectFrom("admin_audit")
      .select(["action", "actor_name", "reason"])
      .orderBy("id")
      .execute();
    const project = await handle.db.selectFrom("projects").select("quarantined_at").executeTakeFirstOrThrow();
    await handle.close();
    expect(audit).toEqual([
      { action: "project.quarantine", actor_name: actor, reason: "reported: steals tokens" },
      { action: "project.release", actor_name: actor, reason: "false report" },
      { action: "project.quarantine", actor_name: actor, reason: "second look" },
      { action: "project.reject", actor_name: actor, reason: "confirmed malware" },
    ]);
    expect(project.quarantined_at).not.toBeNull();
  }, 240_000); // a dozen child processes, each loading Node and the database, on a shared machine
});
