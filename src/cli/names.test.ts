import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `wharf name ...` as an operator runs it: the built dist/main.js in a child process (npm run build).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

describe("wharf name (look-alike allowances)", () => {
  let dataDir: string;
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], {
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
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-names-"));
    expect(run(["migrate"]).code).toBe(0);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("allows and revokes a name with a reason, audited as cli:<os user>@<host>", () => {
    expect(run(["name", "--help"]).out).toContain("Usage: wharf name <allow-lookalike");
    const noReason = run(["name", "allow-lookalike", "pypi", "djangorestframework"]);
    expect(noReason.code).toBe(2);
    expect(noReason.err).toContain("--reason");
    const allowed = run(["name", "allow-lookalike", "pypi", "Django_REST", "--reason", "historic pair"]);
    expect(allowed.code, allowed.err).toBe(0);
    expect(allowed.out).toContain("pypi project 'django-rest' can be created despite its look-alike.");
    const actor = `cli:${userInfo().username}@${hostname()}`;
    expect(run(["name", "lookalikes"]).out).toContain(`pypi/django-rest  by ${actor}`);
    expect(run(["name", "allow-lookalike", "pypi", "django-rest", "--reason", "twice"]).code).toBe(2);
    const revoked = run(["name", "revoke-lookalike", "pypi", "django-rest", "--reason", "migration done"]);
    expect(revoked.code, revoked.err).toBe(0);
    expect(run(["name", "lookalikes"]).out).not.toContain("django-rest");
    expect(run(["name", "revoke-lookalike", "pypi", "django-rest", "--reason", "again"]).err).toContain(
      "This name is not allowed as a look-alike.",
    );
  }, 180_000); // eight child processes, each loading Node and the database, on a shared machine
});
