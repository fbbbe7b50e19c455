import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { NpmClient, packageDir } from "./support/npm.js";
import { createMaintainer, createToken, wharfCli } from "./support/pypi.js";

const SUITE = "an MFA mandate seen through the real npm CLI";
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

// The server keeps the real clock: the mandate's dates are set around now and moved with the CLI.
describe.skipIf(missing(SUITE, "npm"))(SUITE, () => {
  let server: WharfServer;
  let npm: NpmClient;
  let work = "";
  let mandateId = "";

  beforeAll(async () => {
    await ensureBuilt();
    server = await startWharf();
    await createMaintainer(server, "pat", "mooring line 4096 knots");
    const token = await createToken(server, "pat");
    npm = new NpmClient(`${server.origin}/npm/`);
    appendFileSync(npm.userconfig, `//localhost:${server.port}/npm/:_authToken=${token}\n`);
    work = join(npm.dir, "work");
    mkdirSync(work);
  }, 120_000);
  afterAll(async () => {
    npm?.cleanup();
    await server?.stop();
    server?.cleanup();
  });

  const publish = (version: string) =>
    npm.run(["publish"], { cwd: packageDir(work, "wharf-policy-demo", version) });
  const phases = (notice: number, warn: number, enforce: number) => [
    "--name",
    "npm maintainers need 2FA",
    "--cohort",
    "all-projects",
    "--ecosystem",
    "npm",
    "--notice",
    iso(notice),
    "--warn",
    iso(warn),
    "--enforce",
    iso(enforce),
    "--reason",
    "e2e rollout",
  ];

  it("prints the mandate's warning as an npm notice while publishing during the warn phase", async () => {
    const first = await publish("1.0.0");
    expect(first.code, first.output).toBe(0);
    const now = Date.now();
    mandateId = (
      await wharfCli(server, [
        "policy",
        "mandate",
        "create",
        ...phases(now - 2 * DAY, now - DAY, now + 30 * DAY),
      ])
    ).split(/\s+/)[0]!;
    const warned = await publish("1.0.1");
    expect(warned.code, warned.output).toBe(0);
    expect(warned.output).toMatch(
      /npm notice .*Two-factor authentication will be required to publish to 'wharf-policy-demo' from/,
    );
  }, 120_000);

  it("refuses the publish at enforcement with a message naming the fix", async () => {
    const now = Date.now();
    await wharfCli(server, [
      "policy",
      "mandate",
      "update",
      mandateId,
      ...phases(now - 3 * DAY, now - 2 * DAY, now - DAY),
    ]);
    const refused = await publish("1.0.2");
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(
      "Two-factor authentication is required to publish to 'wharf-policy-demo'",
    );
    expect(refused.output).toContain(`${server.origin}/account/two-factor`);
  }, 120_000);
});
