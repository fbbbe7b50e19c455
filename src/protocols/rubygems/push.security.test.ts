import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gemspecYaml, RCE_GADGET } from "../../ecosystems/rubygems/test-fixtures.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../../test-support/index.js";
import { gemOf, tarOf } from "./test-fixtures.js";

// Hostile or broken pushes, sent as the gem client sends them (the client itself refuses to send most
// of these, an attacker does not use it): each is a 4xx whose plain-text body names the fix, and
// nothing is stored.
describe.each(testDatabases())("gem push refusals on %s", (kind) => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    key = (await maintainer(t, "alice")).token;
  });
  afterEach(async () => {
    await t.close();
  });

  const push = (body: Buffer, authorization = key) =>
    t.app.inject({
      method: "POST",
      url: "/rubygems/api/v1/gems",
      payload: body,
      headers: { "content-type": "application/octet-stream", authorization },
    });

  async function expectNothingStored() {
    expect(await t.deps.db.selectFrom("files").select("id").execute()).toEqual([]);
    expect(await t.deps.db.selectFrom("projects").select("id").execute()).toEqual([]);
    const blobs = join(t.dataDir, "blobs");
    expect(existsSync(blobs) ? readdirSync(blobs).filter((n) => n !== ".tmp") : []).toEqual([]);
  }

  const gadget = gemspecYaml({ platform: "ruby", version: "1.0.0" }).replace(
    /required_ruby_version: !ruby\/object:Gem::Requirement\n {2}requirements:\n(?: {2}.*\n)+/,
    `required_ruby_version:${RCE_GADGET.slice(1)}`,
  );

  it.each<[string, () => Promise<Buffer>, number, RegExp]>([
    [
      "a body that is not a tar",
      async () => Buffer.from("not a gem at all"),
      400,
      /not a valid \.gem.*gem build/,
    ],
    [
      "a tar without metadata.gz",
      async () => tarOf([["data.tar.gz", gzipSync(Buffer.alloc(10))]]),
      400,
      /metadata\.gz is missing/,
    ],
    [
      "a member a gem never has",
      async () => tarOf([["../evil", Buffer.from("x")]]),
      400,
      /contains '\.\.\/evil'/,
    ],
    [
      "checksums that do not match",
      () => gemOf(undefined, { badChecksum: true }),
      400,
      /SHA256 of metadata\.gz .* build it again/,
    ],
    [
      "the Gem::Requirement deserialisation gadget",
      () => gemOf(gadget),
      400,
      /YAML tag '!ruby\/object:Gem::DependencyList'/,
    ],
    [
      "an invalid gem name",
      () => gemOf(gemspecYaml({ name: "-x", platform: "ruby" })),
      400,
      /Invalid gem name '-x'/,
    ],
  ])("refuses %s", async (_what, body, status, message) => {
    const r = await push(await body());
    expect(r.statusCode).toBe(status);
    expect(r.headers["content-type"]).toMatch(/^text\/plain/);
    expect(r.body).toMatch(message);
    await expectNothingStored();
  });

  it("refuses a push without a key, or with a dead one, before reading the gem", async () => {
    const none = await push(await gemOf(), "");
    expect(none.statusCode).toBe(401);
    expect(none.body).toMatch(/gem signin --host .*\/rubygems/);
    const dead = await push(await gemOf(), "wharf_not_a_real_key");
    expect(dead.statusCode).toBeGreaterThanOrEqual(400);
    expect(dead.statusCode).toBeLessThan(500);
    await expectNothingStored();
  });

  it("refuses a gem whose gemspec requires MFA from a maintainer without a second factor", async () => {
    const r = await push(await gemOf());
    expect(r.statusCode).toBe(403);
    expect(r.body).toMatch(
      /The gem hello-rg requires multifactor authentication: set up an authenticator app/,
    );
    await expectNothingStored();
  });

  it("stores a good gem once; the same version again is a 409 that says to bump it", async () => {
    const yaml = gemspecYaml({ platform: "ruby", version: "1.0.0" }).replace(
      "  rubygems_mfa_required: 'true'\n",
      "  source_code_uri: https://example.test/\n",
    );
    const gem = await gemOf(yaml);
    const first = await push(gem);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.body).toBe("Successfully registered gem: hello-rg (1.0.0)");
    const again = await push(gem);
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatch(/hello-rg \(1\.0\.0\) already exists\. Bump the version/);
    expect(await t.deps.db.selectFrom("files").select("filename").execute()).toEqual([
      { filename: "hello-rg-1.0.0.gem" },
    ]);
  });
});
