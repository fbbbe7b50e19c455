import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildWheel } from "../packages/archives/test-fixtures.js";
import { npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import {
  basicAuth,
  createTestApp,
  maintainer,
  type TestApp,
  testDatabases,
  twineForm,
} from "../test-support/index.js";

/**
 * The index race (issue 12): a first read of a project's index that loads from the database while an
 * upload of a new version commits must not leave the old rendering cached. Before the generation
 * guard, a few of every few hundred PyPI projects kept a stale /simple/ page until they changed again,
 * so pip never saw the new version.
 */
// Before the fix about 1% of raced PyPI projects stayed stale on PostgreSQL: 300 makes a miss unlikely.
const PROJECTS = 300;
// A user may create 20 projects an hour (ratelimit projectCreateUser) and run two inspections at
// once (packages/inspections.ts): projects are spread over users, each user's uploads run in turn.
const PER_USER = 20;

/**
 * Runs `race(i)` for every index, one at a time per user and all users side by side; returns the
 * mean time one took.
 */
async function perUser(count: number, race: (i: number) => Promise<unknown>): Promise<number> {
  const users = Math.ceil(count / PER_USER);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      for (let i = u * PER_USER; i < Math.min(count, (u + 1) * PER_USER); i++) await race(i);
    }),
  );
  return (performance.now() - start) / PER_USER;
}

/**
 * The first read of a page, started at a random moment during its project's upload so that some
 * reads are still loading when the upload commits (a read started with the upload is long done by
 * then). The jitter only spreads the reads; nothing is asserted about time.
 */
const jittered = <T>(upload: number, read: () => Promise<T>) =>
  new Promise((r) => setTimeout(r, Math.random() * upload)).then(read);

describe.each(testDatabases())("index race on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-race-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves no /simple/ page stale after first reads race with uploads of new versions", async () => {
    const names = Array.from({ length: PROJECTS }, (_, i) => `race-${i}`);
    const tokens: string[] = [];
    for (let u = 0; u * PER_USER < PROJECTS; u++) tokens.push((await maintainer(t, `racer${u}`)).token);
    const forms = new Map<string, Awaited<ReturnType<typeof twineForm>>>();
    for (const [i, name] of names.entries()) {
      for (const version of ["1.0", "2.0"]) {
        const wheel = await buildWheel(dir, { name, version });
        forms.set(`${i}:${version}`, await twineForm(wheel, { name, version }));
      }
    }
    const upload = async (i: number, version: string) => {
      const form = forms.get(`${i}:${version}`)!;
      const res = await t.app.inject({
        method: "POST",
        url: "/legacy/",
        payload: form.payload,
        headers: {
          ...form.headers,
          authorization: basicAuth("__token__", tokens[Math.floor(i / PER_USER)]!),
        },
      });
      expect(res.statusCode, res.statusMessage).toBe(200);
    };
    const versions = async (name: string): Promise<string[]> =>
      (
        await t.app.inject({
          url: `/simple/${name}/`,
          headers: { accept: "application/vnd.pypi.simple.v1+json" },
        })
      ).json().versions;

    const took = await perUser(names.length, (i) => upload(i, "1.0"));
    // Every page is read for the first time while its project's next version is being uploaded.
    await perUser(names.length, (i) =>
      Promise.all([upload(i, "2.0"), jittered(took, () => versions(names[i]!))]),
    );

    const stale: string[] = [];
    for (const name of names) if (!(await versions(name)).includes("2.0")) stale.push(name);
    expect(stale).toEqual([]);
  }, 180_000);

  it("leaves no npm packument stale after first reads race with publishes of new versions", async () => {
    const names = Array.from({ length: PROJECTS / 2 }, (_, i) => `race-${i}`);
    const auths: Array<Record<string, string>> = [];
    for (let u = 0; u * PER_USER < names.length; u++) auths.push((await npmUser(t, `npmracer${u}`)).auth);
    const publish = async (i: number, version: string) => {
      const res = await t.app.inject({
        method: "PUT",
        url: `/npm/${names[i]}`,
        payload: await publishBody(names[i]!, version),
        headers: auths[Math.floor(i / PER_USER)]!,
      });
      expect(res.statusCode, res.body).toBe(201);
    };
    const latest = async (name: string): Promise<string | undefined> =>
      (await t.app.inject({ url: `/npm/${name}` })).json()["dist-tags"]?.latest;

    await perUser(names.length, (i) => publish(i, "1.0.0"));
    await perUser(names.length, (i) =>
      Promise.all([latest(names[i]!), publish(i, "2.0.0"), latest(names[i]!)]),
    );

    const stale: string[] = [];
    for (const name of names) if ((await latest(name)) !== "2.0.0") stale.push(name);
    expect(stale).toEqual([]);
  }, 180_000);
});
