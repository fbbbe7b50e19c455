import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import type { App } from "../../app.js";
import { gemspecYaml } from "../../ecosystems/rubygems/test-fixtures.js";
import { createTwoInstances, missing, type TwoInstances } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { gemOf } from "./test-fixtures.js";

const SUITE = "the versions log across instances";

// Two instances share PostgreSQL and Redis: both append to one versions log, racing, and every client
// sees one file that only grows, whichever instance answers.
describe.skipIf(missing(SUITE, "postgres", "redis"))(SUITE, () => {
  let a: App;
  let b: App;
  let instances: TwoInstances | undefined;
  beforeAll(async () => {
    instances = await createTwoInstances();
    ({ a, b } = instances);
  });
  afterAll(async () => {
    await instances?.close();
  });

  it("racing renders on both instances append each line once, and both serve the same bytes", async () => {
    const user = await registerUser(
      a.deps,
      { ip: "127.0.0.1" },
      { username: "carol", email: "carol@example.com", password: "correct horse battery", verified: true },
      { viaOperator: true },
    );
    const { token } = await insertToken(a.deps.db, Date.now(), {
      userId: user.id,
      name: "t",
      projectIds: null,
      expiresAt: null,
      issuedBy: "user",
    });
    const versions = async (app: App) =>
      (await app.app.inject({ method: "GET", url: "/rubygems/versions" })).body;
    let previous = "";
    for (const [i, version] of ["1.0.0", "1.1.0", "1.2.0"].entries()) {
      const yaml = gemspecYaml({ name: `shared-${i % 2}`, version, platform: "ruby" }).replace(
        "  rubygems_mfa_required: 'true'\n",
        "  x: 'y'\n",
      );
      const r = await a.app.inject({
        method: "POST",
        url: "/rubygems/api/v1/gems",
        payload: await gemOf(yaml),
        headers: { "content-type": "application/octet-stream", authorization: token },
      });
      expect(r.statusCode, r.body).toBe(200);
      // B hears of the change through Redis; then both render at once.
      await expect
        .poll(async () => (await versions(b)).includes(` ${version} `), { timeout: 10_000 })
        .toBe(true);
      const [fromA, fromB] = await Promise.all([versions(a), versions(b)]);
      expect(fromA).toBe(fromB);
      expect(fromA.startsWith(previous)).toBe(true);
      previous = fromA;
    }
    const lines = previous.split("\n").slice(2, -1);
    expect(lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "shared-0 1.0.0",
      "shared-1 1.1.0",
      "shared-0 1.2.0",
    ]);
  });
});
