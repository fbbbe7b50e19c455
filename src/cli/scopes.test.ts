import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `wharf scope` as an operator runs it: the built dist/main.js in a child process (npm test builds first).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

describe("wharf scope CLI", () => {
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
  const createUser = (username: string) =>
    run(
      [
        "user",
        "create",
        "--username",
        username,
        "--email",
        `${username}@example.com`,
        "--password-stdin",
        "--verified",
      ],
      "a long operator passphrase",
    );

  beforeAll(() => {
    if (!existsSync(MAIN)) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-cli-scope-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("reserves a scope for a user, adds and removes owners, and the scope's name cannot be registered", () => {
    expect(createUser("alice").code).toBe(0);
    expect(createUser("bob").code).toBe(0);
    expect(run(["scope", "show", "@acme"]).out).toContain("scope: @acme (unclaimed)");
    const add = run(["scope", "add-owner", "@ACME", "alice", "--reason", "asked by the owner"]);
    expect([add.code, add.out]).toEqual([0, expect.stringContaining("owners: alice")]);
    const taken = createUser("Acme");
    expect([taken.code, taken.err]).toEqual([2, expect.stringContaining("@acme is an npm scope")]);
    expect(run(["scope", "add-owner", "acme", "bob", "--reason", "asked by the owner"]).out).toContain(
      "owners: alice, bob",
    );
    expect(run(["scope", "remove-owner", "@acme", "bob", "--reason", "asked by the owner"]).out).toContain(
      "owners: alice\n",
    );
    const last = run(["scope", "remove-owner", "@acme", "alice", "--reason", "asked by the owner"]);
    expect([last.code, last.err]).toEqual([2, expect.stringContaining("at least one owner")]);
    const nobody = run(["scope", "add-owner", "@acme", "nobody", "--reason", "asked by the owner"]);
    expect([nobody.code, nobody.err]).toEqual([2, expect.stringContaining("No user named 'nobody'")]);
    expect(run(["scope", "--help"]).out).toContain("add-owner @SCOPE USER");
  }, 300_000); // a dozen child processes on a shared 2-core machine
});
