import { appendFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KeyServer,
  type ScannerKey,
  scannerKey,
  signedReport,
  startKeyServer,
} from "../../src/secret-scanning/test-helpers.js";
import { missing, readOutbox } from "../../src/test-support/index.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { NpmClient } from "./support/npm.js";
import { createMaintainer, createToken, wharfCli } from "./support/pypi.js";

// Issue 16 item 7, as it happens for real: a running server configured with a key URL (here a local
// stand-in for GitHub's key list), a token the real npm CLI uses, a report signed with Node's crypto
// posted over HTTP as GitHub would, then the same npm CLI refused; and the operator's CLI revoking
// another token, which the running server (no Redis) stops accepting within seconds.
const SUITE = "leaked-token reports against a running server";

describe.skipIf(missing(SUITE, "npm"))(SUITE, () => {
  let server: WharfServer;
  let keys: KeyServer;
  let github: ScannerKey;
  let npm: NpmClient;

  beforeAll(async () => {
    await ensureBuilt();
    github = scannerKey();
    keys = await startKeyServer([github]);
    server = await startWharf({ WHARF_SECRET_SCANNING_KEYS_URL: keys.url });
    await createMaintainer(server, "alice", "mooring line 4096 knots");
    npm = new NpmClient(`${server.origin}/npm/`);
  }, 120_000);
  afterAll(async () => {
    npm?.cleanup();
    await server?.stop();
    server?.cleanup();
    await keys?.close();
  });

  const useToken = (token: string) =>
    appendFileSync(
      npm.userconfig,
      `${new URL(npm.registry).href.replace(/^https?:/, "")}:_authToken=${token}\n`,
    );

  it("revokes a token GitHub reports: npm whoami works before and is refused after; the owner is mailed", async () => {
    const token = await createToken(server, "alice");
    useToken(token);
    const before = await npm.run(["whoami"]);
    expect(before.output.trim()).toBe("alice");
    const leak = "https://github.com/alice/widget/blob/1234567/.npmrc";
    const report = signedReport(github, [{ token, type: "wharf_api_token", url: leak, source: "content" }]);
    const res = await fetch(`${server.url}/api/secret-scanning/github`, {
      method: "POST",
      headers: report.headers,
      body: report.payload,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { token_raw: token, token_type: "wharf_api_token", label: "true_positive" },
    ]);
    const after = await npm.run(["whoami"]);
    expect(after.code).not.toBe(0);
    expect(after.output).toContain("This API token has been revoked");
    const mails = (await readOutbox(server.outboxDir)).filter((m) => m.subject.includes("found in public"));
    expect(mails).toHaveLength(1);
    expect(mails[0]?.text).toContain(leak);
  }, 120_000);

  it("revokes with the operator's CLI; the running server stops accepting the token within seconds", async () => {
    const token = await createToken(server, "alice");
    const whoami = () =>
      fetch(`${server.url}/npm/-/whoami`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );
    expect(await whoami()).toBe(200);
    const out = await wharfCli(server, [
      "token",
      "revoke",
      "--leaked",
      token,
      "--url",
      "https://pastebin.test/x",
    ]);
    expect(out).toContain('Revoked the token "admin-issued');
    const started = Date.now();
    let status = await whoami();
    while (status === 200 && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      status = await whoami();
    }
    expect(status).toBeGreaterThanOrEqual(401);
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 120_000);
});
