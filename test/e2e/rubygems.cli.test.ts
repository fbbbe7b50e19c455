import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { buildGem, GemClient, type GemRun } from "./support/gem.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { AuthenticatorApp, NpmClient } from "./support/npm.js";
import { createMaintainer, wharfCli } from "./support/pypi.js";

const SUITE = "gem CLI against Wharf: signin, push, refusals, MFA prompt, mandates";
const PASSWORD = "mooring line 4096 knots";

describe.skipIf(missing(SUITE, "gem", "npm", "script"))(SUITE, () => {
  let server: WharfServer;
  let host: string;
  let alice: GemClient;
  let bob: GemClient;
  const ok = (r: GemRun) => expect(r.code, r.output).toBe(0);

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    host = `${server.origin}/rubygems`;
    await createMaintainer(server, "alice", PASSWORD);
    await createMaintainer(server, "bob", PASSWORD);
    alice = new GemClient(host);
    bob = new GemClient(host);
  });
  afterAll(async () => {
    alice?.cleanup();
    bob?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  /** `gem signin` asks for a key name and then y/N for each scope; `yes` lists the scopes to grant. */
  const signin = (c: GemClient, email: string, yes: string[]) =>
    c.interactive(
      ["signin", "--host", host],
      [
        { when: /Email:/, send: email },
        { when: /Password:/, send: PASSWORD },
        { when: /API Key name/, send: "" },
        ...[
          "index_rubygems",
          "push_rubygem",
          "yank_rubygem",
          "add_owner",
          "remove_owner",
          "access_webhooks",
          "show_dashboard",
        ].map((s) => ({ when: new RegExp(`${s} \\[`), send: yes.includes(s) ? "y" : "n" })),
      ],
      // RubyGems 3.3.15's `gem signin --host` asks rubygems.org for the MFA level first (it decides
      // "default host?" before taking --host); RUBYGEMS_HOST names the host from the start.
      { env: { RUBYGEMS_HOST: host } },
    );

  it("gem signin turns email and password into a Wharf API key kept in ~/.gem/credentials", async () => {
    const wrong = await alice.interactive(
      ["signin", "--host", host],
      [
        { when: /Email:/, send: "alice@example.test" },
        { when: /Password:/, send: "not the password" },
        { when: /API Key name/, send: "" },
        ...Array.from({ length: 7 }, () => ({ when: /_[a-z]+ \[/, send: "n" })),
      ],
      { env: { RUBYGEMS_HOST: host } },
    );
    expect(wrong.output).toContain("The username or password is not correct.");
    const r = await signin(alice, "alice@example.test", [
      "push_rubygem",
      "yank_rubygem",
      "add_owner",
      "remove_owner",
    ]);
    ok(r);
    expect(r.output).toContain("Signed in with API key");
    // RubyGems 3.3 keeps it under the XDG data home when ~/.gem does not exist.
    const paths = [
      join(alice.home, ".gem", "credentials"),
      join(alice.home, ".local", "share", "gem", "credentials"),
    ];
    const credentials = readFileSync(paths.find((p) => existsSync(p)) ?? paths[0]!, "utf8");
    expect(credentials).toMatch(new RegExp(`${host.replace(/[/.]/g, "\\$&")}: wharf_[A-Za-z0-9_-]{55}`));
  }, 90_000);

  it("gem push publishes a gem, and a second push of the same version is refused with what to do", async () => {
    const gem = await buildGem(alice, { name: "wharf-e2e-hello", version: "1.0.0" });
    const push = await alice.run(["push", gem, "--host", host]);
    ok(push);
    expect(push.output).toContain("Successfully registered gem: wharf-e2e-hello (1.0.0)");
    const again = await alice.run(["push", gem, "--host", host]);
    expect(again.code).toBe(1);
    expect(again.output).toContain(
      "wharf-e2e-hello (1.0.0) already exists. Bump the version and push again.",
    );
    const platform = await buildGem(alice, {
      name: "wharf-e2e-hello",
      version: "1.0.0",
      platform: "x86_64-linux",
    });
    const native = await alice.run(["push", platform, "--host", host]);
    ok(native);
    expect(native.output).toContain("(1.0.0-x86_64-linux)");
  }, 90_000);

  it("refuses another maintainer's gem and a key made without a write scope", async () => {
    const signed = await bob.run(
      ["push", await buildGem(bob, { name: "wharf-e2e-hello", version: "9.0.0" }), "--host", host],
      {
        env: { GEM_HOST_API_KEY: "" },
      },
    );
    // No key yet: the client asks for email and password, which a run without a terminal cannot answer.
    expect(signed.code).not.toBe(0);
    const r = await signin(bob, "bob", ["index_rubygems", "push_rubygem"]);
    ok(r);
    const theirs = await bob.run([
      "push",
      await buildGem(bob, { name: "wharf-e2e-hello", version: "9.0.0" }),
      "--host",
      host,
    ]);
    expect(theirs.code).toBe(1);
    expect(theirs.output).toContain("You are not an owner or maintainer of 'wharf-e2e-hello'.");

    const reader = new GemClient(host);
    try {
      ok(await signin(reader, "bob", ["index_rubygems"]));
      const ro = await reader.run([
        "push",
        await buildGem(reader, { name: "wharf-e2e-bob", version: "1.0.0" }),
        "--host",
        host,
      ]);
      expect(ro.code).toBe(1);
      expect(ro.output).toContain("This API key cannot change gems");
      expect(ro.output).toContain("gem signout");
    } finally {
      reader.cleanup();
    }
  }, 120_000);

  it("with an authenticator enrolled, gem prompts for the code, refuses a replayed one, and GEM_HOST_OTP_CODE works", async () => {
    // One account for every ecosystem: the factor is enrolled with the npm CLI.
    const npm = new NpmClient(`${server.origin}/npm/`);
    let app: AuthenticatorApp | undefined;
    try {
      await npm.interactive(
        ["login", "--auth-type=legacy"],
        [
          { when: /Username:/, send: "alice" },
          { when: /Password:/, send: PASSWORD },
        ],
      );
      const enable = await npm.interactive(
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
    } finally {
      npm.cleanup();
    }
    const v2 = await buildGem(alice, { name: "wharf-e2e-hello", version: "2.0.0" });
    const prompted = await alice.interactive(
      ["push", v2, "--host", host],
      [{ when: /Code:/, send: () => app!.code() }],
    );
    expect(prompted.output).toContain("You have enabled multi-factor authentication. Please enter OTP code.");
    expect(prompted.output).toContain("Successfully registered gem: wharf-e2e-hello (2.0.0)");

    const v3 = await buildGem(alice, { name: "wharf-e2e-hello", version: "3.0.0.beta1" });
    const replay = await alice.run(["push", v3, "--host", host], { env: { GEM_HOST_OTP_CODE: app!.last() } });
    expect(replay.code).toBe(1);
    expect(replay.output).toContain(
      "You have enabled multifactor authentication but your request doesn't have the correct OTP code.",
    );
    const fresh = await alice.run(["push", v3, "--host", host], {
      env: { GEM_HOST_OTP_CODE: await app!.code() },
    });
    ok(fresh);
    expect(fresh.output).toContain("(3.0.0.beta1)");
  }, 180_000);
  it("a mandate over every ecosystem: in warn gem push succeeds and prints the warning, in enforce it is refused with where to enrol", async () => {
    // carol has no second factor; the mandate names no ecosystem, so it covers RubyGems too.
    await createMaintainer(server, "carol", PASSWORD);
    const carol = new GemClient(host);
    try {
      ok(await signin(carol, "carol@example.test", ["push_rubygem"]));
      const phases = (enforce: string) =>
        ["--name", "Everyone: any factor", "--cohort", "all-users", "--notice", "2026-01-01"].concat([
          "--warn",
          "2026-02-01",
          "--enforce",
          enforce,
          "--reason",
          "e2e gem rollout",
        ]);
      await wharfCli(server, ["policy", "mandate", "create", ...phases("2099-01-01")]);
      const warned = await carol.run([
        "push",
        await buildGem(carol, { name: "wharf-e2e-carol", version: "1.0.0" }),
        "--host",
        host,
      ]);
      ok(warned);
      expect(warned.output).toContain("Successfully registered gem: wharf-e2e-carol (1.0.0)");
      expect(warned.output).toContain(
        `Two-factor authentication will be required to publish new projects from 2099-01-01 (Everyone: any factor). Set it up at ${server.origin}/account/two-factor`,
      );

      const [mandate] = JSON.parse(await wharfCli(server, ["policy", "mandate", "list", "--json"]));
      await wharfCli(server, ["policy", "mandate", "update", mandate.id, ...phases("2026-03-01")]);
      const v2 = await buildGem(carol, { name: "wharf-e2e-carol", version: "2.0.0" });
      const refused = await carol.run(["push", v2, "--host", host]);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(
        `Two-factor authentication is required to publish to 'wharf-e2e-carol' (Everyone: any factor). Set it up at ${server.origin}/account/two-factor`,
      );
      expect(refused.output).not.toContain("Successfully registered");
      // Nothing was stored: the index still lists only 1.0.0.
      const info = await (await fetch(`${host}/info/wharf-e2e-carol`)).text();
      expect(info).toContain("1.0.0");
      expect(info).not.toContain("2.0.0");
    } finally {
      carol.cleanup();
    }
  }, 180_000);
});
