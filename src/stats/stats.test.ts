import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { quickProject, statsSnapshot } from "../test-support/stats.js";
import { importStats } from "./import.js";
import { ecosystemTotals, projectDownloads } from "./window.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

describe.each(testDatabases())("statistics import (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeEach(async () => {
    t = await createTestApp(kind);
    t.clock.set(NOW);
    dir = mkdtempSync(join(tmpdir(), "wharf-stats-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports a CSV once: the same file twice, or a reordered copy, leaves the counts unchanged", async () => {
    const id = await quickProject(t.deps.db, NOW, "pypi", "Requests");
    const rows = [
      `${iso(TODAY - 3)},pypi,requests,100`,
      `${iso(TODAY - 2)},pypi,Requests,50`,
      `${iso(TODAY - 2)},pypi,requests,5`,
      `${iso(TODAY - 2)},pypi,not-hosted-here,7`,
      `${iso(TODAY - 1)},npm,@acme/widget,9`,
    ];
    const csv = file("a.csv", ["date,ecosystem,project,count", ...rows].join("\n"));
    const first = await importStats(t.deps, { path: csv });
    expect(first).toMatchObject({
      format: "csv",
      alreadyImported: false,
      downloads: 171,
      rows: 4,
      projects: 3,
    });
    const before = await statsSnapshot(t.deps.db);
    expect(
      await projectDownloads(t.deps.db, { id, ecosystem: "pypi", normalizedName: "requests" }, 30, NOW),
    ).toBe(155);

    const again = await importStats(t.deps, { path: csv });
    expect(again.alreadyImported).toBe(true);
    const reordered = file("b.csv", ["date,ecosystem,project,count", ...rows.reverse()].join("\r\n"));
    expect((await importStats(t.deps, { path: reordered })).alreadyImported).toBe(false);
    expect(await statsSnapshot(t.deps.db)).toEqual(before);

    // A corrected export from the same source replaces that day's count.
    const fixed = file("c.csv", `date,ecosystem,project,count\n${iso(TODAY - 3)},pypi,requests,80\n`);
    const r = await importStats(t.deps, { path: fixed });
    expect(r.netChange).toBe(-20);
    expect(
      await projectDownloads(t.deps.db, { id, ecosystem: "pypi", normalizedName: "requests" }, 30, NOW),
    ).toBe(135);
    await statsSnapshot(t.deps.db);
    // Projects Wharf does not host keep their counts: they take part in the ranking.
    const totals = await ecosystemTotals(t.deps.db, "pypi", 30, NOW);
    expect([...totals.byId].filter((v) => v > 0).sort((a, b) => a - b)).toEqual([7, 135]);
  });

  it("counts a combined log once, also when the same log comes again gzipped", async () => {
    await quickProject(t.deps.db, NOW, "pypi", "pkg");
    const d = new Date((TODAY - 1) * DAY);
    const stamp = `${String(d.getUTCDate()).padStart(2, "0")}/${d.toUTCString().slice(8, 11)}/${d.getUTCFullYear()}`;
    const req = (target: string, status = 200, method = "GET") =>
      `198.51.100.7 - - [${stamp}:10:00:00 +0000] "${method} ${target} HTTP/1.1" ${status} 10 "-" "pip/24"`;
    const log = [
      req("/files/pypi/aa/bb/1234/pkg-1.0-py3-none-any.whl"),
      req("/files/pypi/aa/bb/1234/pkg-1.0-py3-none-any.whl"),
      req("/files/pypi/aa/bb/5678/pkg-1.0.tar.gz"),
      req("/files/pypi/aa/bb/5678/pkg-1.0.tar.gz.metadata"),
      req("/files/pypi/aa/bb/5678/pkg-1.0.tar.gz", 304),
      req("/files/pypi/aa/bb/9999/Legacy_Thing-0.3.zip"),
      req("/files/pypi/aa/bb/9999/whatever"),
      req("/npm/@acme/widget/-/widget-1.0.0.tgz"),
      req("/npm/left-pad/-/left-pad-1.3.0.tgz"),
      req("/npm/left-pad/-/left-pad-1.3.0.tgz", 200, "HEAD"),
      "not a log line",
    ].join("\n");
    const plain = file("access.log", `${log}\n`);
    const r = await importStats(t.deps, { path: plain, source: "cdn" });
    expect(r).toMatchObject({ format: "combined", lines: 11, downloads: 6, projects: 4 });
    expect(r.skipped).toMatchObject({ notDownload: 3, malformed: 1, unresolved: 1 });
    const before = await statsSnapshot(t.deps.db);
    expect((await importStats(t.deps, { path: plain, source: "cdn" })).alreadyImported).toBe(true);
    const gz = file("access.log.2.gz", gzipSync(`${log}\n`));
    expect((await importStats(t.deps, { path: gz, source: "cdn" })).alreadyImported).toBe(true);
    expect(await statsSnapshot(t.deps.db)).toEqual(before);
    expect(await projectDownloads(t.deps.db, { ecosystem: "pypi", normalizedName: "pkg" }, 7, NOW)).toBe(3);
    expect(
      await projectDownloads(t.deps.db, { ecosystem: "pypi", normalizedName: "legacy-thing" }, 7, NOW),
    ).toBe(1);
    expect(
      await projectDownloads(t.deps.db, { ecosystem: "npm", normalizedName: "@acme/widget" }, 7, NOW),
    ).toBe(1);

    // The next log file (other lines) adds to the same days.
    const next = file("access.log.1", `${req("/files/pypi/aa/bb/1234/pkg-1.0-py3-none-any.whl")}\n`);
    await importStats(t.deps, { path: next, source: "cdn" });
    expect(await projectDownloads(t.deps.db, { ecosystem: "pypi", normalizedName: "pkg" }, 7, NOW)).toBe(4);
  });

  it("imports one ecosystem of a log at a time, and refuses the whole log after its parts", async () => {
    const stamp = new Date((TODAY - 1) * DAY).toUTCString().slice(5, 16).replace(/ /g, "/");
    const log = [
      `h - - [${stamp}:10:00:00 +0000] "GET /files/pypi/a/b/c/pkg-1.0.tar.gz HTTP/1.1" 200 1 "-" "-"`,
      `h - - [${stamp}:10:00:00 +0000] "GET /npm/pkg/-/pkg-1.0.0.tgz HTTP/1.1" 200 1 "-" "-"`,
    ].join("\n");
    const p = file("mixed.log", log);
    expect(await importStats(t.deps, { path: p, ecosystem: "npm" })).toMatchObject({
      downloads: 1,
      skipped: { otherEcosystem: 1 },
    });
    expect(await importStats(t.deps, { path: p, ecosystem: "pypi" })).toMatchObject({ downloads: 1 });
    expect((await importStats(t.deps, { path: p })).alreadyImported).toBe(true);
    expect((await importStats(t.deps, { path: p, ecosystem: "npm" })).alreadyImported).toBe(true);
  });

  it("folds days older than the retention window into months, skips future ones, and refuses a bad CSV whole", async () => {
    const p = file(
      "old.csv",
      `date,ecosystem,project,count\n${iso(TODAY - 400)},pypi,a,5\n${iso(TODAY + 2)},pypi,a,6\n${iso(TODAY)},pypi,a,7\n`,
    );
    const r = await importStats(t.deps, { path: p });
    expect(r).toMatchObject({
      downloads: 7,
      folded: { rows: 1, downloads: 5, months: 1 },
      skipped: { future: 6 },
    });
    const bad = file(
      "bad.csv",
      `date,ecosystem,project,count\n${iso(TODAY)},pypi,b,1\n${iso(TODAY)},pypi,b,many\n`,
    );
    await expect(importStats(t.deps, { path: bad })).rejects.toThrow(
      /line 3: 'many' is not a download count/,
    );
    const headerless = file("x.csv", `${iso(TODAY)},pypi,b,1\n`);
    await expect(importStats(t.deps, { path: headerless, format: "csv" })).rejects.toThrow(/header/);
    expect(await projectDownloads(t.deps.db, { ecosystem: "pypi", normalizedName: "b" }, 30, NOW)).toBe(0);
  });

  it("lets imported days replace Wharf's own counts, and adds own counts on other days", async () => {
    const id = await quickProject(t.deps.db, NOW, "pypi", "own");
    await t.deps.db
      .insertInto("download_counts")
      .values([
        { project_id: id, day: TODAY - 2, count: 40 },
        { project_id: id, day: TODAY - 1, count: 3 },
      ])
      .execute();
    const own = { id, ecosystem: "pypi", normalizedName: "own" };
    expect(await projectDownloads(t.deps.db, own, 30, NOW)).toBe(43);
    // The CDN log for TODAY-2 saw all of that day's downloads, those Wharf counted included.
    await importStats(t.deps, {
      path: file("cdn.csv", `date,ecosystem,project,count\n${iso(TODAY - 2)},pypi,own,100\n`),
    });
    expect(await projectDownloads(t.deps.db, own, 30, NOW)).toBe(103);
    const totals = await ecosystemTotals(t.deps.db, "pypi", 30, NOW);
    expect([...totals.byId].filter((v) => v > 0)).toEqual([103]);
    // A hosted project with only own counts is ranked by name.
    const solo = await quickProject(t.deps.db, NOW, "pypi", "solo");
    await t.deps.db
      .insertInto("download_counts")
      .values({ project_id: solo, day: TODAY, count: 8 })
      .execute();
    expect((await ecosystemTotals(t.deps.db, "pypi", 30, NOW)).byName).toEqual(new Map([["solo", 8]]));
  });
});
