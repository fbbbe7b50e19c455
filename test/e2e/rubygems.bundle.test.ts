import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { buildGem, GemClient, type GemRun } from "./support/gem.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { createMaintainer, createToken } from "./support/pypi.js";

const SUITE =
  "gem install and bundle install from Wharf (compact index), yank and owners with the real clients";
const PASSWORD = "mooring line 4096 knots";

describe.skipIf(missing(SUITE, "gem", "bundle"))(SUITE, () => {
  let server: WharfServer;
  let host: string;
  let source: string;
  let alice: GemClient;
  let key: string;
  const ok = (r: GemRun) => expect(r.code, r.output).toBe(0);

  /** Pushes with the key in GEM_HOST_API_KEY (signin itself is covered by rubygems.cli.test.ts). */
  async function push(o: Parameters<typeof buildGem>[1]) {
    const r = await alice.run(["push", await buildGem(alice, o), "--host", host], {
      env: { GEM_HOST_API_KEY: key },
    });
    ok(r);
  }

  /** A consumer with nothing installed, Wharf as its only source. */
  function consumer(): GemClient {
    return new GemClient(host);
  }
  const install = (c: GemClient, args: string[]) =>
    c.run(["install", ...args, "--clear-sources", "--source", source, "--no-document"]);

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf({ WHARF_LOG_LEVEL: "info" });
    host = `${server.url}/rubygems`;
    source = `${host}/`;
    await createMaintainer(server, "alice", PASSWORD);
    await createMaintainer(server, "bob", PASSWORD);
    key = await createToken(server, "alice");
    alice = new GemClient(host);
    await push({ name: "wharf-dep", version: "1.0.0" });
    await push({ name: "wharf-dep", version: "1.1.0" });
    await push({ name: "wharf-dep", version: "2.0.0" });
    await push({ name: "wharf-app", version: "1.0.0", deps: ['"wharf-dep", "~> 1.0"'] });
    await push({ name: "wharf-app", version: "2.0.0.beta1", deps: ['"wharf-dep", ">= 2.0"'] });
    await push({ name: "wharf-native", version: "1.0.0", platform: "x86_64-linux" });
  }, 240_000);
  afterAll(async () => {
    alice?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  it("gem install resolves a dependency through the compact index (~> picks 1.1.0, not 2.0.0)", async () => {
    const c = consumer();
    try {
      const r = await install(c, ["wharf-app"]);
      ok(r);
      expect(r.output).toContain("Successfully installed wharf-dep-1.1.0");
      expect(r.output).toContain("Successfully installed wharf-app-1.0.0");
      const urls = server.requests().map((q) => q.url);
      expect(urls).toContain("/rubygems/info/wharf-app");
      expect(urls).toContain("/rubygems/quick/Marshal.4.8/wharf-app-1.0.0.gemspec.rz");
      expect(urls).toContain("/rubygems/gems/wharf-app-1.0.0.gem");
    } finally {
      c.cleanup();
    }
  }, 120_000);

  it("gem install --pre takes the prerelease, and a platform gem installs for x86_64-linux", async () => {
    const c = consumer();
    try {
      const pre = await install(c, ["wharf-app", "--pre"]);
      ok(pre);
      expect(pre.output).toContain("Successfully installed wharf-app-2.0.0.beta1");
      expect(pre.output).toContain("Successfully installed wharf-dep-2.0.0");
      const native = await install(c, ["wharf-native"]);
      ok(native);
      expect(native.output).toContain("Successfully installed wharf-native-1.0.0-x86_64-linux");
      const list = await c.run(["list", "wharf-"]);
      expect(list.output).toMatch(/wharf-native \(1\.0\.0 x86_64-linux\)/);
    } finally {
      c.cleanup();
    }
  }, 120_000);

  it("bundle install resolves a Gemfile through the compact index and writes Gemfile.lock; a second run uses ranges", async () => {
    const c = consumer();
    try {
      const app = join(c.dir, "app");
      mkdirSync(app);
      writeFileSync(
        join(app, "Gemfile"),
        `source "${source}"\n\ngem "wharf-app", "~> 1.0"\ngem "wharf-native"\n`,
      );
      const first = await c.bundle(["install"], app);
      ok(first);
      const lock = readFileSync(join(app, "Gemfile.lock"), "utf8");
      expect(lock).toContain(`remote: ${source}`);
      expect(lock).toContain("wharf-app (1.0.0)");
      expect(lock).toContain("wharf-dep (~> 1.0)");
      expect(lock).toContain("wharf-dep (1.1.0)");
      expect(lock).toContain("wharf-native (1.0.0-x86_64-linux)");
      expect(server.requests().map((q) => q.url)).toContain("/rubygems/versions");

      // A new version appends a line to info/wharf-dep: Bundler fetches the tail and checks the MD5.
      await push({ name: "wharf-dep", version: "1.2.0" });
      const update = await c.bundle(["update", "wharf-dep", "--conservative", "--verbose"], app);
      ok(update);
      // Both grew at their end only: the tails are appended and pass Bundler's MD5 check (no full refetch).
      expect(update.output).toMatch(/HTTP 206 Partial Content .*\/rubygems\/versions/);
      expect(update.output).toMatch(/HTTP 206 Partial Content .*\/rubygems\/info\/wharf-dep/);
      expect(update.output).not.toMatch(/HTTP 200 OK .*\/rubygems\/(versions|info\/wharf-dep)/);
      expect(readFileSync(join(app, "Gemfile.lock"), "utf8")).toContain("wharf-dep (1.2.0)");
    } finally {
      c.cleanup();
    }
  }, 240_000);

  it("gem yank takes a version out of the index for good; its number cannot be pushed again", async () => {
    const withKey = { env: { GEM_HOST_API_KEY: key } };
    const yank = await alice.run(["yank", "wharf-dep", "-v", "1.1.0", "--host", host], withKey);
    ok(yank);
    expect(yank.output).toContain("Successfully deleted gem: wharf-dep (1.1.0)");
    const info = await (await fetch(`${host}/info/wharf-dep`)).text();
    expect(info).not.toMatch(/^1\.1\.0 /m);
    expect(info).toMatch(/^1\.0\.0 /m);
    const c = consumer();
    try {
      const pinned = await install(c, ["wharf-dep", "-v", "1.1.0"]);
      expect(pinned.code).not.toBe(0);
      expect(pinned.output).toMatch(/Could not find a valid gem 'wharf-dep' \(= 1\.1\.0\)/);
    } finally {
      c.cleanup();
    }
    const again = await alice.run(
      ["push", await buildGem(alice, { name: "wharf-dep", version: "1.1.0" }), "--host", host],
      withKey,
    );
    expect(again.code).toBe(1);
    expect(again.output).toContain(
      "Version 1.1.0 of wharf-dep was yanked and its number is never used again",
    );
    // gem yank prints the body and exits 0 whatever the status: the sentence is all the user sees.
    const twice = await alice.run(["yank", "wharf-dep", "-v", "1.1.0", "--host", host], withKey);
    expect(twice.output).toContain("The version 1.1.0 of wharf-dep has already been yanked.");
  }, 120_000);

  it("gem owner adds and removes an owner by handle or email, and lists the owners", async () => {
    const withKey = { env: { GEM_HOST_API_KEY: key } };
    const add = await alice.run(["owner", "wharf-app", "--add", "bob@example.test", "--host", host], withKey);
    ok(add);
    expect(add.output).toContain("bob is now an owner of wharf-app.");
    expect(add.output).toMatch(/Owners for gem: wharf-app\n- alice\n- bob/);
    const remove = await alice.run(["owner", "wharf-app", "--remove", "bob", "--host", host], withKey);
    ok(remove);
    expect(remove.output).toContain("bob is no longer an owner of wharf-app.");
    expect(remove.output).toMatch(/Owners for gem: wharf-app\n- alice\n(?!- bob)/);
    const bobKey = await createToken(server, "bob");
    const notOwner = await alice.run(["owner", "wharf-app", "--add", "bob", "--host", host], {
      env: { GEM_HOST_API_KEY: bobKey },
    });
    expect(notOwner.code).toBe(1);
    expect(notOwner.output).toContain("Adding bob: You are not an owner or maintainer of 'wharf-app'.");
  }, 120_000);
});
