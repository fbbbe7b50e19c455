import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { AuthenticatorApp, NpmClient, type NpmRun, packageDir } from "./support/npm.js";
import { createMaintainer, createToken } from "./support/pypi.js";

const SUITE = "npm stage (npm 11 CLI): publish to staging, list, view, download, approve with OTP, reject";
const PASSWORD = "staging area 2048 bytes";
const ID = /staged with id ([0-9a-f-]{36})/;

describe.skipIf(missing(SUITE, "npm", "script"))(SUITE, () => {
  let server: WharfServer;
  let alice: NpmClient;
  let ci: NpmClient;
  let work: string;
  let app: AuthenticatorApp;
  const ok = (r: NpmRun) => expect(r.code, r.output).toBe(0);

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "alice", PASSWORD);
    alice = new NpmClient(`${server.origin}/npm/`);
    work = join(alice.dir, "work");
    mkdirSync(work);
    const login = await alice.interactive(
      ["login", "--auth-type=legacy"],
      [
        { when: /Username:/, send: "alice" },
        { when: /Password:/, send: PASSWORD },
      ],
    );
    expect(login.output).toContain("Logged in on");
    ok(await alice.run(["publish"], { cwd: packageDir(work, "staged-demo", "1.0.0") }));
    const enable = await alice.interactive(
      ["profile", "enable-2fa", "auth-and-writes"],
      [
        { when: /password:/i, send: PASSWORD },
        {
          when: /OTP code from your authenticator/,
          send: (out) => {
            app = new AuthenticatorApp(/Or enter code: *([A-Z2-7]+)/.exec(out)?.[1] ?? "");
            return app.code();
          },
        },
      ],
    );
    expect(enable.output).toContain("2FA successfully enabled");
    // CI: an API token in its .npmrc and no terminal, as a GitHub Actions job runs npm.
    ci = new NpmClient(`${server.origin}/npm/`);
    const token = await createToken(server, "alice");
    const host = server.origin.replace(/^https?:/, "");
    writeFileSync(ci.userconfig, `registry=${server.origin}/npm/\n${host}/npm/:_authToken=${token}\n`);
  }, 120_000);
  afterAll(async () => {
    alice?.cleanup();
    ci?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  it("stages from CI without a second factor; installers cannot see it; list, view and download show it", async () => {
    const staged = await ci.run(["stage", "publish"], { cwd: packageDir(work, "staged-demo", "1.1.0") });
    ok(staged);
    const id = ID.exec(staged.output)?.[1] ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const view = await alice.run(["view", "staged-demo@1.1.0", "version"]);
    expect(view.output).toContain("No match found for version 1.1.0");
    expect((await alice.run(["view", "staged-demo", "version"])).output.trim()).toBe("1.0.0");
    const list = await ci.run(["stage", "list", "staged-demo"]);
    ok(list);
    expect(list.output).toContain(id);
    expect(list.output).toContain("1.1.0");
    const json = await ci.run(["stage", "view", id, "--json"]);
    ok(json);
    const item = JSON.parse(json.output.slice(json.output.indexOf("{"))) as Record<string, string>;
    expect(item).toMatchObject({
      id,
      packageName: "staged-demo",
      version: "1.1.0",
      tag: "latest",
      actor: "alice",
    });
    expect(item.actorType).toBe("token");
    expect(item.shasum).toMatch(/^[0-9a-f]{40}$/);
    const download = await ci.run(["stage", "download", id], { cwd: work });
    ok(download);
    expect(existsSync(join(work, `staged-demo-1.1.0-${id}.tgz`))).toBe(true);
  }, 120_000);

  it("approves only with an OTP; approval publishes the version", async () => {
    const list = await ci.run(["stage", "list", "--json"]);
    const id =
      (JSON.parse(list.output.slice(list.output.indexOf("["))) as Array<{ id: string }>)[0]?.id ?? "";
    const refused = await ci.run(["stage", "approve", id]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/one-time password|OTP/i);
    expect((await alice.run(["view", "staged-demo", "version"])).output.trim()).toBe("1.0.0");
    const approved = await ci.run(["stage", "approve", id, "--otp", await app.code()]);
    ok(approved);
    expect(approved.output).toContain(`Staged package ${id} approved and published successfully.`);
    expect((await alice.run(["view", "staged-demo", "version"])).output.trim()).toBe("1.1.0");
    const again = await ci.run(["stage", "approve", id, "--otp", await app.code()]);
    expect(again.code).not.toBe(0);
  }, 180_000);

  it("rejects with an OTP: the staged version is removed and its number cannot be staged again", async () => {
    const dir = packageDir(work, "staged-demo", "1.2.0");
    const staged = await ci.run(["stage", "publish"], { cwd: dir });
    ok(staged);
    const id = ID.exec(staged.output)?.[1] ?? "";
    const rejected = await ci.run(["stage", "reject", id, "--otp", await app.code()]);
    ok(rejected);
    expect(rejected.output).toContain(`Staged package ${id} has been rejected.`);
    expect((await ci.run(["stage", "view", id])).code).not.toBe(0);
    expect((await alice.run(["view", "staged-demo@1.2.0", "version"])).output).toContain(
      "No match found for version 1.2.0",
    );
    const restage = await ci.run(["stage", "publish"], { cwd: dir });
    expect(restage.code).not.toBe(0);
    expect(restage.output).toMatch(/never reused|previously published|published before/);
  }, 180_000);
});
