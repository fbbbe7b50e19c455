import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize } from "../authz/index.js";
import type { Deps } from "../deps.js";
import { ultranormalizeName } from "../ecosystems/pypi/index.js";
import { createTestApp, maintainer, type TestApp, testDatabases } from "../test-support/index.js";
import { findProject } from "./projects.js";
import { publishFile } from "./publish.js";

const ctx = { ip: "127.0.0.1" };

/** One tiny file of project `name` (version 1.0), published by `userId` through the domain function. */
async function publish(deps: Deps, userId: string, name: string, filename = `${name}-1.0.tar.gz`) {
  const actor = { userId, emailVerified: true };
  const existing = await findProject(deps.db, "pypi", name);
  const grant = await authorize(deps, actor, existing ? "upload" : "create-project", existing, {
    ecosystem: "pypi",
  });
  const bytes = Buffer.from(`${name} ${filename}`);
  const hash = (alg: string) => createHash(alg).update(bytes).digest("hex");
  return publishFile(deps, ctx, {
    ecosystem: "pypi",
    project: { name, normalizedName: name, ultranormalizedName: ultranormalizeName(name) },
    release: {
      version: "1.0",
      canonicalVersion: "1",
      requiresPython: null,
      summary: null,
      description: null,
      descriptionContentType: null,
      metadata: {},
    },
    file: {
      filename,
      packagetype: "sdist",
      pythonVersion: "source",
      requiresPython: null,
      size: bytes.length,
      sha256: hash("sha256"),
      blake2b256: hash("sha512").slice(0, 64),
      md5: hash("md5"),
      metadataSha256: null,
    },
    content: () => Readable.from([bytes]),
    grant,
    authorizeUpload: (p) => authorize(deps, actor, "upload", p, { ecosystem: "pypi" }),
  });
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string; status?: number }) => `${e.status ?? "?"} ${e.code ?? String(e)}`,
  );

describe.each(testDatabases())("project creation races (%s)", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it("lets exactly one of two look-alike names created at the same moment win (200 raced pairs)", async () => {
    const alice = await maintainer(t, "alice");
    const bob = await maintainer(t, "bob");
    // The creation budget is not what this test is about: 200 projects each.
    const deps: Deps = {
      ...t.deps,
      limits: { ...t.deps.limits, consume: async () => {}, ensureLeft: async () => {} },
    };
    const results: string[][] = [];
    for (let batch = 0; batch < 200; batch += 25) {
      const pairs = Array.from({ length: 25 }, (_, i) => `race${batch + i}-tool`);
      results.push(
        ...(await Promise.all(
          pairs.map((base) =>
            Promise.all([
              outcome(publish(deps, alice.user.id, `${base}-l`)),
              outcome(publish(deps, bob.user.id, `${base}-1`)),
            ]),
          ),
        )),
      );
    }
    const bothWon = results.filter(([a, b]) => a === "ok" && b === "ok").length;
    const oneWon = results.filter(([a, b]) => (a === "ok") !== (b === "ok")).length;
    expect({ bothWon, oneWon }).toEqual({ bothWon: 0, oneWon: 200 });
    const losers = results.flat().filter((r) => r !== "ok");
    expect(new Set(losers)).toEqual(new Set(["403 LOOKALIKE"]));
    const projects = await t.deps.db.selectFrom("projects").select("name").execute();
    expect(projects).toHaveLength(200);
  });

  it("spends one project-creation point for 50 parallel first uploads of one new project", async () => {
    const carol = await maintainer(t, "carol");
    const wheels = Array.from({ length: 50 }, (_, i) => `matrix_proj-1.0-cp3${i}-none-any.whl`);
    const results = await Promise.all(
      wheels.map((f) => outcome(publish(t.deps, carol.user.id, "matrix-proj", f))),
    );
    expect(results.filter((r) => r !== "ok")).toEqual([]);
    const files = await t.deps.db
      .selectFrom("files")
      .select("filename")
      .where("filename", "like", "matrix%")
      .execute();
    expect(files).toHaveLength(50);
    // The hourly budget is 20 creations: 19 more still work, the next one is refused and stores nothing.
    for (let i = 0; i < 19; i++)
      expect(await outcome(publish(t.deps, carol.user.id, `more-${i}`))).toBe("ok");
    expect(await outcome(publish(t.deps, carol.user.id, "one-too-many"))).toBe("429 RATE_LIMITED");
    const extra = await t.deps.db
      .selectFrom("projects")
      .select("id")
      .where("name", "=", "one-too-many")
      .execute();
    expect(extra).toEqual([]);
  });
});
