import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { DownloadCounter, dayOf, downloadsSince, insertProject } from "./index.js";

describe.each(testDatabases())("batched download counts on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("writes nothing per download and adds each instance's share at flush", async () => {
    const p = await insertProject(t.deps.db, t.clock.now(), {
      ecosystem: "pypi",
      name: "dl",
      normalizedName: "dl",
      ultranormalizedName: "d1",
    });
    // Two counters stand for two instances sharing one database.
    const a = new DownloadCounter(t.deps.db);
    const b = new DownloadCounter(t.deps.db);
    for (let i = 0; i < 1000; i++) a.count(p.id, t.clock.now());
    for (let i = 0; i < 500; i++) b.count(p.id, t.clock.now());
    expect(await t.deps.db.selectFrom("download_counts").selectAll().execute()).toEqual([]);
    await a.flush();
    await b.flush();
    await a.flush(); // nothing pending: no double counting
    const rows = await t.deps.db.selectFrom("download_counts").selectAll().execute();
    expect(rows).toEqual([{ project_id: p.id, day: dayOf(t.clock.now()), count: 1500 }]);
    t.clock.advance(86_400_000);
    a.count(p.id, t.clock.now());
    await a.flush();
    expect(await downloadsSince(t.deps.db, p.id, dayOf(t.clock.now()) - 1)).toBe(1501);
  });
});
