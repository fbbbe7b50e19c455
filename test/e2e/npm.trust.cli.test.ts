import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { AuthenticatorApp, NpmClient, type NpmRun, packageDir, type Step } from "./support/npm.js";
import { createMaintainer } from "./support/pypi.js";

const SUITE = "npm trust against Wharf: github, gitlab, list and revoke behind the OTP prompt";
const PASSWORD = "mooring line 4096 knots";
const PKG = "wharf-e2e-trusted";

describe.skipIf(missing(SUITE, "npm", "script"))(SUITE, () => {
  let server: WharfServer;
  let alice: NpmClient;
  let app: AuthenticatorApp;
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);
  /** npm's classic prompt (lib/utils/auth.js otplease), answered with the authenticator's next code. */
  const otpStep = () => ({ when: /Enter OTP:/, send: () => app.code() });
  /** npm trust takes only its own flags: the config file and cache go in the environment. */
  const trust = (args: string[], steps?: Step[]) =>
    steps
      ? alice.interactive(["trust", ...args], steps, { configInEnv: true })
      : alice.run(["trust", ...args], { configInEnv: true });

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "alice", PASSWORD);
    alice = new NpmClient(`${server.origin}/npm/`);
    const work = join(alice.dir, "work");
    mkdirSync(work);
    const login = await alice.interactive(
      ["login", "--auth-type=legacy"],
      [
        { when: /Username:/, send: "alice" },
        { when: /Password:/, send: PASSWORD },
      ],
    );
    expect(login.output).toContain("Logged in on");
    ok(await alice.run(["publish"], { cwd: packageDir(work, PKG, "1.0.0") }));
  }, 600_000);
  afterAll(async () => {
    alice?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  it("refuses trust until the account has two-factor authentication, saying how to enable it", async () => {
    const r = await trust([
      "github",
      PKG,
      "--repo",
      "acme/widget",
      "--file",
      "release.yml",
      "--allow-publish",
      "--yes",
    ]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("npm profile enable-2fa");
  }, 60_000);

  it("adds a GitHub publisher, lists it and revokes it, answering the OTP prompt each time", async () => {
    const enable = await alice.interactive(
      ["profile", "enable-2fa", "auth-only"],
      [
        { when: /password:/i, send: PASSWORD },
        {
          when: /OTP code from your authenticator/,
          send: (out) => {
            app = new AuthenticatorApp(/Or enter code: *([A-Z2-7]+)/.exec(out)![1]!);
            return app.code();
          },
        },
      ],
    );
    expect(enable.output).toContain("2FA successfully enabled");

    // Without a terminal npm cannot prompt: the registry's OTP challenge reaches the user as EOTP.
    const noTty = await trust(["list", PKG]);
    expect(noTty.code).not.toBe(0);
    expect(noTty.output).toContain("EOTP");

    const add = await trust(
      [
        "github",
        PKG,
        "--repo",
        "acme/widget",
        "--file",
        "release.yml",
        "--env",
        "npm",
        "--allow-publish",
        "--yes",
      ],
      [otpStep()],
    );
    ok(add);
    expect(add.output).toContain(`Trust configuration created successfully for ${PKG}`);
    const id = /id: (\S+)/.exec(add.output.split("created successfully")[1]!)?.[1];
    expect(id).toBeTruthy();
    expect(add.output).toContain("repository: acme/widget");
    expect(add.output).toContain("environment: npm");

    const gitlab = await trust(
      ["gitlab", PKG, "--project", "acme/sub/widget", "--file", ".gitlab-ci.yml", "--allow-publish", "--yes"],
      [otpStep()],
    );
    ok(gitlab);
    expect(gitlab.output).toContain("project: acme/sub/widget");

    const list = await trust(["list", PKG], [otpStep()]);
    ok(list);
    expect(list.output).toContain(`id: ${id}`);
    expect(list.output).toContain("type: github");
    expect(list.output).toContain("file: release.yml");
    expect(list.output).toContain("type: gitlab");
    expect(list.output).toContain("file: .gitlab-ci.yml");

    const revoke = await trust(["revoke", PKG, "--id", id!], [otpStep()]);
    ok(revoke);
    expect(revoke.output).toContain(`Revoked trusted configuration for package ${PKG} with id ${id}`);
    const after = await trust(["list", PKG, "--json"], [otpStep()]);
    ok(after);
    expect(after.output).not.toContain(id!);
    expect(after.output).toContain("acme/sub/widget");
  }, 240_000);

  it("shows a wrong code and a stage-only configuration as the registry's own message", async () => {
    const wrong = await trust(
      ["github", PKG, "--repo", "acme/other", "--file", "release.yml", "--allow-publish", "--yes"],
      [{ when: /Enter OTP:/, send: "000000" }],
    );
    expect(wrong.code).not.toBe(0);
    const stage = await trust([
      "github",
      PKG,
      "--repo",
      "acme/other",
      "--file",
      "release.yml",
      "--allow-stage-publish",
      "--yes",
    ]);
    // Refused before any one-time password is asked: the configuration itself is what is wrong.
    expect(stage.code).not.toBe(0);
    expect(stage.output).toContain("add --allow-publish");
    const path = await trust([
      "github",
      PKG,
      "--repo",
      "acme/other",
      "--file",
      "a/release.yml",
      "--allow-publish",
      "--yes",
    ]);
    // npm checks the file name itself before any request.
    expect(path.output).toContain("must be just a file not a path");
  }, 120_000);
});
