import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { AuthenticatorApp, NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { createMaintainer } from "./support/pypi.js";

const SUITE = "npm CLI against Wharf: login, publish, install, tags, owners, tokens, 2FA";
const PASSWORD = "mooring line 4096 knots";

describe.skipIf(missing(SUITE, "npm", "script"))(SUITE, () => {
  let server: WharfServer;
  let alice: NpmClient;
  let work: string;
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "alice", PASSWORD);
    await createMaintainer(server, "bob", PASSWORD);
    alice = new NpmClient(`${server.origin}/npm/`);
    work = join(alice.dir, "work");
    mkdirSync(work);
  });
  afterAll(async () => {
    alice?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  const login = (c: NpmClient, user: string) =>
    c.interactive(
      ["login", "--auth-type=legacy"],
      [
        { when: /Username:/, send: user },
        { when: /Password:/, send: PASSWORD },
      ],
    );

  it("adduser creates an account, login (legacy) signs in, whoami names the user", async () => {
    const carol = new NpmClient(`${server.origin}/npm/`);
    try {
      const add = await carol.interactive(
        ["adduser", "--auth-type=legacy"],
        [
          { when: /Username:/, send: "carol" },
          { when: /Password:/, send: PASSWORD },
          { when: /Email/, send: "carol@example.test" },
        ],
      );
      expect(add.output).toContain("Logged in on");
      expect((await carol.run(["whoami"])).output.trim()).toBe("carol");
    } finally {
      carol.cleanup();
    }
    const wrong = await alice.interactive(
      ["login", "--auth-type=legacy"],
      [
        { when: /Username:/, send: "alice" },
        { when: /Password:/, send: "not the password" },
      ],
    );
    expect(wrong.output).toContain("The username or password is not correct.");
    expect((await login(alice, "alice")).output).toContain("Logged in on");
    expect((await alice.run(["whoami"])).output.trim()).toBe("alice");
  }, 90_000);

  it("publishes unscoped and scoped packages and installs them from a clean cache in another folder", async () => {
    ok(await alice.run(["publish"], { cwd: packageDir(work, "wharf-e2e-demo", "1.0.0") }));
    ok(
      await alice.run(["publish", "--access", "public"], {
        cwd: packageDir(work, "@alice/e2e-tool", "1.0.0"),
      }),
    );
    const consumer = join(alice.dir, "consumer");
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true }),
    );
    const install = await alice.run(["install", "wharf-e2e-demo", "@alice/e2e-tool"], {
      cwd: consumer,
      cache: alice.freshCache(),
    });
    ok(install);
    expect(install.output).toContain("added 2 packages");
    const loaded = execFileSync(
      "node",
      ["-e", "console.log(require('wharf-e2e-demo'), require('@alice/e2e-tool'))"],
      { cwd: consumer },
    ).toString();
    expect(loaded.trim()).toBe("wharf-e2e-demo@1.0.0 @alice/e2e-tool@1.0.0");
    const again = await alice.run(["publish"], { cwd: packageDir(work, "wharf-e2e-demo", "1.0.0") });
    expect(again.code).not.toBe(0);
    // npm 11 checks the packument itself first; the registry refuses too (publish.test.ts "version exists").
    expect(again.output).toMatch(/cannot publish over the previously published version/);
  }, 120_000);

  it("publishes what npm normalizes (bin string, .bin-prefixed script, a binding.gyp that `files` leaves out) and serves the tarball's install fields", async () => {
    const dir = packageDir(work, "wharf-e2e-native", "1.0.0", {
      bin: "./cli.js",
      scripts: { postinstall: "node_modules/.bin/echo-ok", test: "node index.js" },
      dependencies: { "wharf-e2e-demo": "^1.0.0" },
      files: ["index.js", "cli.js"],
    });
    writeFileSync(join(dir, "cli.js"), "#!/usr/bin/env node\n");
    writeFileSync(join(dir, "binding.gyp"), "{}");
    ok(await alice.run(["publish", "--ignore-scripts"], { cwd: dir }));
    const res = await fetch(`${server.origin}/npm/wharf-e2e-native`, {
      headers: { accept: "application/vnd.npm.install-v1+json" },
    });
    const v = (await res.json()).versions["1.0.0"];
    expect(v.bin).toEqual({ "wharf-e2e-native": "cli.js" });
    expect(v.dependencies).toEqual({ "wharf-e2e-demo": "^1.0.0" });
    // postinstall from the tarball; no node-gyp install, as binding.gyp is not in the tarball.
    expect(v.hasInstallScript).toBe(true);
    const full = await (await fetch(`${server.origin}/npm/wharf-e2e-native`)).json();
    expect(full.versions["1.0.0"].scripts).toEqual({ postinstall: "echo-ok", test: "node index.js" });
  }, 120_000);

  it("dist-tag add/ls/rm and deprecate", async () => {
    ok(
      await alice.run(["publish", "--tag", "next"], {
        cwd: packageDir(work, "wharf-e2e-demo", "2.0.0-beta.1"),
      }),
    );
    ok(await alice.run(["dist-tag", "add", "wharf-e2e-demo@1.0.0", "stable"]));
    expect((await alice.run(["dist-tag", "ls", "wharf-e2e-demo"])).output).toContain(
      "latest: 1.0.0\nnext: 2.0.0-beta.1\nstable: 1.0.0",
    );
    ok(await alice.run(["dist-tag", "rm", "wharf-e2e-demo", "stable"]));
    expect((await alice.run(["dist-tag", "ls", "wharf-e2e-demo"])).output).not.toContain("stable");
    ok(await alice.run(["deprecate", "wharf-e2e-demo@2.0.0-beta.1", "try 1.0.0"]));
    expect((await alice.run(["view", "wharf-e2e-demo@2.0.0-beta.1", "deprecated"])).output.trim()).toBe(
      "try 1.0.0",
    );
  }, 90_000);

  it("owner add/ls/rm", async () => {
    ok(await alice.run(["owner", "add", "bob", "wharf-e2e-demo"]));
    expect((await alice.run(["owner", "ls", "wharf-e2e-demo"])).output).toMatch(/alice <>\nbob <>/);
    ok(await alice.run(["owner", "rm", "bob", "wharf-e2e-demo"]));
    expect((await alice.run(["owner", "ls", "wharf-e2e-demo"])).output.trim()).toBe("alice <>");
    const lastOwner = await alice.run(["owner", "rm", "alice", "wharf-e2e-demo"]);
    expect(lastOwner.code).not.toBe(0);
  }, 90_000);

  it("unpublish pkg@ver, and the version number is never reused", async () => {
    ok(await alice.run(["publish"], { cwd: packageDir(work, "wharf-e2e-demo", "1.1.0") }));
    ok(await alice.run(["unpublish", "wharf-e2e-demo@1.1.0"]));
    expect((await alice.run(["view", "wharf-e2e-demo", "versions", "--json"])).output).not.toContain("1.1.0");
    const reuse = await alice.run(["publish"], { cwd: packageDir(work, "wharf-e2e-demo", "1.1.0") });
    expect(reuse.output).toContain("was published before and unpublished; version numbers are never reused");
  }, 90_000);

  it("token create/list/revoke", async () => {
    const created = await alice.run([
      "token",
      "create",
      "--password",
      PASSWORD,
      "--name",
      "ci-deploy",
      "--cidr",
      "127.0.0.0/8",
    ]);
    ok(created);
    const token = /Created token (wharf_\S+)/.exec(created.output)?.[1];
    expect(token).toBeDefined();
    const list = await alice.run(["token", "list", "--parseable"]);
    const row = list.output.split("\n").find((l) => l.includes("ci-deploy"));
    expect(row).toContain("127.0.0.0/8");
    ok(await alice.run(["token", "revoke", row!.split("\t")[0]!]));
    expect((await alice.run(["token", "list"])).output).not.toContain("ci-deploy");
  }, 90_000);

  it("profile enable-2fa auth-and-writes; then publish needs an OTP, refuses a replay, takes a recovery code once", async () => {
    let app: AuthenticatorApp | undefined;
    const enable = await alice.interactive(
      ["profile", "enable-2fa", "auth-and-writes"],
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
    const codes = [...enable.output.matchAll(/\b([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})\b/g)].map(
      (m) => m[1]!,
    );
    expect(codes).toHaveLength(10);
    expect((await alice.run(["profile", "get", "two-factor auth"])).output.trim()).toBe("auth-and-writes");

    const pub = (v: string, otp?: string) =>
      alice.run(["publish", ...(otp ? [`--otp=${otp}`] : [])], {
        cwd: packageDir(work, "wharf-e2e-demo", v),
      });
    const none = await pub("1.2.0");
    expect(none.output).toContain("EOTP");
    const code = await app!.code();
    ok(await pub("1.2.0", code));
    const replay = await pub("1.2.1", code);
    expect(replay.output).toContain("EOTP");
    expect(replay.output).toContain("That code was already used");
    ok(await pub("1.2.1", codes[0]));
    expect((await pub("1.2.2", codes[0])).output).toContain("EOTP");

    ok(await alice.run(["access", "set", "mfa=publish", "wharf-e2e-demo", `--otp=${await app!.code()}`]));
    expect((await alice.run(["access", "get", "status", "wharf-e2e-demo"])).output).toContain(
      "wharf-e2e-demo: public",
    );
  }, 180_000);

  it("logout revokes the CLI's token", async () => {
    ok(await alice.run(["logout"]));
    const after = await alice.run(["whoami"]);
    expect(after.code).not.toBe(0);
  }, 60_000);
});
