import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { createMaintainer, createToken } from "./support/pypi.js";

const SUITE = "npm CLI against Wharf: audit, star, access list, deprecate time (issue 13 item 10)";

describe.skipIf(missing(SUITE, "npm"))(SUITE, () => {
  let server: WharfServer;
  let alice: NpmClient;
  let work: string;
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "alice", "mooring line 4096 knots");
    alice = new NpmClient(`${server.origin}/npm/`);
    // A token keyed to the /npm/ path, as the README's set-up says.
    const token = await createToken(server, "alice");
    appendFileSync(alice.userconfig, `${server.origin.replace(/^https?:/, "")}/npm/:_authToken=${token}\n`);
    work = join(alice.dir, "work");
    mkdirSync(work);
    ok(await alice.run(["publish"], { cwd: packageDir(work, "wharf-surface-demo", "1.0.0") }));
    ok(await alice.run(["publish"], { cwd: packageDir(work, "@alice/surface-tool", "1.0.0") }));
  }, 120_000);
  afterAll(async () => {
    alice?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  it("npm audit finds 0 vulnerabilities and prints the registry's notice", async () => {
    const app = join(alice.dir, "app");
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", private: true }),
    );
    ok(await alice.run(["install", "wharf-surface-demo", "--audit=false"], { cwd: app }));
    const audit = await alice.run(["audit"], { cwd: app });
    ok(audit);
    expect(audit.output).toContain("found 0 vulnerabilities");
    expect(audit.output).toContain("npm notice This registry has no security advisory database");
  }, 120_000);

  it("npm star, stars and unstar", async () => {
    ok(await alice.run(["star", "wharf-surface-demo"]));
    expect((await alice.run(["stars"])).output).toContain("wharf-surface-demo");
    expect((await alice.run(["view", "wharf-surface-demo", "users", "--json"])).output).toContain(
      '"alice": true',
    );
    ok(await alice.run(["unstar", "wharf-surface-demo"]));
    const none = await alice.run(["stars"]);
    expect(none.output).toContain("user has not starred any packages");
  }, 120_000);

  it("npm access list packages lists the user's packages", async () => {
    const list = await alice.run(["access", "list", "packages", "--json"]);
    ok(list);
    expect(JSON.parse(list.output.slice(list.output.indexOf("{")))).toEqual({
      "@alice/surface-tool": "read-write",
      "wharf-surface-demo": "read-write",
    });
  }, 60_000);

  it("npm deprecate advances time.modified", async () => {
    const before = JSON.parse((await alice.run(["view", "wharf-surface-demo", "time", "--json"])).output);
    await new Promise((r) => setTimeout(r, 1_100));
    ok(await alice.run(["deprecate", "wharf-surface-demo@1.0.0", "use something else"]));
    const after = JSON.parse(
      (await alice.run(["view", "wharf-surface-demo", "time", "--json", "--prefer-online"])).output,
    );
    expect(Date.parse(after.modified)).toBeGreaterThan(Date.parse(before.modified));
  }, 60_000);

  it("npm team says organizations and teams are not supported", async () => {
    const team = await alice.run(["team", "ls", "@alice"]);
    expect(team.code).not.toBe(0);
    expect(team.output).toContain("Organizations and teams are not supported on this registry");
  }, 60_000);
});
