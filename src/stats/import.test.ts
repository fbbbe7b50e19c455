import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { importCounts, quickProject, statsSnapshot } from "../test-support/stats.js";
import { importStats } from "./import.js";
import { listImports } from "./ledger.js";
import { rollupStats } from "./rollup.js";
import { BATCH_KEYS } from "./staging.js";
import { monthOf, retentionCutoff } from "./store.js";

const NOW = Date.UTC(2026, 3, 15, 12);
const TODAY = Math.floor(NOW / DAY);
const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
const HEADER = "date,ecosystem,project,count";

/** Every table an import writes, for "nothing changed" and "nothing left" checks. */
async function everything(t: TestApp) {
  const db = t.deps.db;
  const months = await db
    .selectFrom("download_months")
    .selectAll()
    .orderBy("ecosystem")
    .orderBy("name_id")
    .orderBy("month")
    .execute();
  return {
    daily: await statsSnapshot(db),
    months: months.map((m) => ({ ...m, count: Number(m.count) })),
    coverage: (await db.selectFrom("stats_coverage").selectAll().orderBy("day").execute()).length,
    ledger: (await db.selectFrom("stats_imports").select("sha256").execute()).length,
    kept: (await db.selectFrom("stats_import_days").selectAll().execute()).length,
  };
}

describe.each(testDatabases())("streaming statistics import (%s)", (kind) => {
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
    dir = mkdtempSync(join(tmpdir(), "wharf-stats-import-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams a CSV of several batches into the same counts as the in-memory write path", async () => {
    // More (project, day) rows than one batch holds, with a project's day split over two lines that
    // land in different batches (the file's sum replaces the source's count, it does not overwrite
    // half of it), over an earlier import of the same source.
    const rows: { name: string; day: number; count: number }[] = [];
    for (let d = 1; d <= 30; d++)
      for (let p = 0; p < Math.ceil((BATCH_KEYS * 1.5) / 30); p++)
        rows.push({ name: `proj-${p}`, day: TODAY - d, count: 1 + ((p * 31 + d) % 97) });
    rows.push({ name: "proj-0", day: TODAY - 1, count: 5 }, { name: "Proj_1", day: TODAY - 2, count: 0 });
    const earlier = [
      { name: "proj-0", day: TODAY - 1, count: 1000 },
      { name: "proj-7", day: TODAY - 40, count: 3 },
    ];
    const csv = (list: typeof rows) =>
      [HEADER, ...list.map((r) => `${iso(r.day)},pypi,${r.name},${r.count}`)].join("\n");

    await importStats(t.deps, { path: file("earlier.csv", csv(earlier)), source: "test" });
    const r = await importStats(t.deps, { path: file("big.csv", csv(rows)), source: "test" });
    expect(r.lines).toBe(rows.length + 1);
    expect(r.rows).toBeGreaterThan(BATCH_KEYS);
    const streamed = await statsSnapshot(t.deps.db);

    const other = await createTestApp(kind);
    try {
      const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");
      await importCounts(other.deps.db, "pypi", earlier);
      await importCounts(
        other.deps.db,
        "pypi",
        rows.map((x) => ({ ...x, name: norm(x.name) })),
      );
      const names = async (tt: TestApp) =>
        new Map(
          (await tt.deps.db.selectFrom("stats_names").selectAll().execute()).map((n) => [n.id, n.name]),
        );
      const [a, b] = [await names(t), await names(other)];
      const byName = (snap: typeof streamed, ids: Map<number, string>) =>
        snap
          .map(({ name_id, source_id: _, ...x }) => ({ ...x, name: ids.get(name_id) }))
          .sort((x, y) => x.day - y.day || (x.name! < y.name! ? -1 : 1));
      expect(byName(streamed, a)).toEqual(byName(await statsSnapshot(other.deps.db), b));
    } finally {
      await other.close();
    }
    expect(await t.deps.db.selectFrom("stats_import_days").selectAll().execute()).toHaveLength(0);
  });

  it("folds rows older than the retention window into monthly totals, says so, and agrees with the roll-up", async () => {
    const cutoff = await retentionCutoff(t.deps.db, TODAY);
    const old = [cutoff - 100, cutoff - 70, cutoff - 69, cutoff - 1];
    const lines = [
      ...old.map((d, i) => `${iso(d)},pypi,ancient,${10 + i}`),
      `${iso(cutoff - 1)},npm,left-pad,7`,
      `${iso(cutoff)},pypi,ancient,1`,
      `${iso(TODAY)},pypi,ancient,2`,
    ];
    const r = await importStats(t.deps, { path: file("history.csv", [HEADER, ...lines].join("\n")) });
    const months = new Set(old.map(monthOf));
    expect(r.folded).toEqual({
      rows: 5,
      downloads: 10 + 11 + 12 + 13 + 7,
      months: months.size + 1,
      before: iso(cutoff),
      firstDay: iso(cutoff - 100),
      lastDay: iso(cutoff - 1),
    });
    expect(r).toMatchObject({ downloads: 3, rows: 2, firstDay: iso(cutoff), lastDay: iso(TODAY) });
    const stored = await t.deps.db.selectFrom("download_months").selectAll().execute();
    expect(stored.reduce((s, m) => s + Number(m.count), 0)).toBe(53);
    expect(new Set(stored.filter((m) => m.ecosystem === "pypi").map((m) => m.month))).toEqual(months);
    const [ledger] = await listImports(t.deps.db);
    expect(ledger).toMatchObject({
      cutoffDay: cutoff,
      folded: { rows: 5, downloads: 53, months: months.size + 1 },
    });
    // The roll-up has nothing left to do: what the import kept as days is inside the window.
    const before = await everything(t);
    expect(await rollupStats(t.deps)).toMatchObject({ foldedRows: 0 });
    expect(await everything(t)).toEqual(before);

    // The same file imported 200 days earlier (its old rows were days then), then rolled up today:
    // the same monthly totals.
    const other = await createTestApp(kind);
    try {
      other.clock.set(NOW - 200 * DAY);
      const then = await importStats(other.deps, {
        path: file("history.csv", [HEADER, ...lines].join("\n")),
      });
      expect(then.folded.rows).toBe(0);
      other.clock.set(NOW);
      await rollupStats(other.deps);
      const named = async (tt: TestApp) =>
        (
          await tt.deps.db
            .selectFrom("download_months as m")
            .innerJoin("stats_names as n", "n.id", "m.name_id")
            .select(["m.ecosystem", "n.name", "m.month", "m.count"])
            .orderBy("m.ecosystem")
            .orderBy("n.name")
            .orderBy("m.month")
            .execute()
        ).map((m) => ({ ...m, count: Number(m.count) }));
      expect(await named(other)).toEqual(await named(t));
    } finally {
      await other.close();
    }
  });

  it("recognises an imported file by its hash before parsing it, also gzipped and renamed", async () => {
    const content = `${HEADER}\n${iso(TODAY - 1)},pypi,requests,100\n`;
    const first = await importStats(t.deps, { path: file("a.csv", content), source: "cdn" });
    const before = await everything(t);
    const again = await importStats(t.deps, { path: file("a.csv.1.gz", gzipSync(content)), source: "cdn" });
    expect(again).toMatchObject({ alreadyImported: true, lines: 0, sha256: first.sha256 });
    expect(again.earlier).toHaveLength(1);
    expect(again.earlier[0]).toMatchObject({
      fileName: "a.csv",
      fileSize: Buffer.byteLength(content),
      source: "cdn",
      rows: 1,
      downloads: 100,
      firstDay: TODAY - 1,
      lastDay: TODAY - 1,
      importedAt: NOW,
      forced: false,
    });
    expect(await everything(t)).toEqual(before);
    // Another source is another stream: the same content there is new.
    expect((await importStats(t.deps, { path: file("b.csv", content), source: "eu" })).alreadyImported).toBe(
      false,
    );
  });

  it("re-imports with --force without counting twice: a CSV, a log, and old rows already folded", async () => {
    const cutoff = await retentionCutoff(t.deps.db, TODAY);
    const csv = file(
      "x.csv",
      [
        HEADER,
        `${iso(cutoff - 40)},pypi,a,5`,
        `${iso(TODAY - 3)},pypi,a,9`,
        `${iso(TODAY - 2)},npm,b,4`,
      ].join("\n"),
    );
    const stamp = (d: number) => new Date(d * DAY).toUTCString().slice(5, 16).replace(/ /g, "/");
    const hit = (d: number, f: string) =>
      `h - - [${stamp(d)}:10:00:00 +0000] "GET /files/pypi/x/y/z/${f} HTTP/1.1" 200 1 "-" "-"`;
    const log = file(
      "access.log",
      [hit(TODAY - 1, "a-1.0.tar.gz"), hit(TODAY - 1, "a-1.0.tar.gz"), hit(cutoff - 3, "a-1.0.tar.gz")].join(
        "\n",
      ),
    );
    await importStats(t.deps, { path: csv, source: "cdn" });
    await importStats(t.deps, { path: log, source: "cdn" });
    const before = await everything(t);
    expect(before.months.reduce((s, m) => s + m.count, 0)).toBe(6);

    const csvAgain = await importStats(t.deps, { path: csv, source: "cdn", force: true });
    expect(csvAgain).toMatchObject({ alreadyImported: false, netChange: 0, skipped: { alreadyFolded: 5 } });
    expect(csvAgain.earlier).toHaveLength(1);
    const logAgain = await importStats(t.deps, { path: log, source: "cdn", force: true });
    expect(logAgain).toMatchObject({ downloads: 2, netChange: 2, skipped: { alreadyFolded: 1 } });
    expect(await everything(t)).toEqual(before);
    const ledger = await listImports(t.deps.db);
    expect(ledger.map((e) => [e.fileName, e.forced])).toEqual([
      ["access.log", true],
      ["x.csv", true],
    ]);
    // A log imported before migration 021 (no cutoff recorded, nothing kept) cannot be re-imported.
    await t.deps.db
      .updateTable("stats_imports")
      .set({ cutoff_day: null })
      .where("file_name", "=", "access.log")
      .execute();
    await expect(importStats(t.deps, { path: log, source: "cdn", force: true })).rejects.toThrow(
      /access\.log is a log imported on .* by a Wharf that did not keep what each log added; --force would count its downloads twice/,
    );
    expect(await everything(t)).toEqual(before);
    await t.deps.db
      .updateTable("stats_imports")
      .set({ cutoff_day: cutoff })
      .where("file_name", "=", "access.log")
      .execute();

    // And again, once the log's days are rolled up: still counted once.
    t.clock.set(NOW + 300 * DAY);
    await rollupStats(t.deps);
    const rolled = await everything(t);
    expect(rolled.months.reduce((s, m) => s + m.count, 0)).toBe(6 + 9 + 4 + 2);
    await importStats(t.deps, { path: log, source: "cdn", force: true });
    await importStats(t.deps, { path: csv, source: "cdn", force: true });
    expect(await everything(t)).toEqual(rolled);
  });

  it("imports gem downloads from a log: by the file name journal, else by name-version[-platform].gem", async () => {
    // foo-2fa: a name with "-<digit>" that only the journal resolves right.
    const id = await quickProject(t.deps.db, NOW, "rubygems", "foo-2fa");
    await t.deps.db
      .insertInto("filename_journal")
      .values({ filename: "foo-2fa-1.0.0.gem", project_id: id, created_at: NOW })
      .execute();
    const stamp = new Date((TODAY - 1) * DAY).toUTCString().slice(5, 16).replace(/ /g, "/");
    const hit = (f: string) =>
      `h - - [${stamp}:10:00:00 +0000] "GET /rubygems/gems/${f} HTTP/1.1" 200 1 "-" "-"`;
    const log = file(
      "gems.log",
      [
        hit("foo-2fa-1.0.0.gem"),
        hit("Rails-7.1.0.gem"),
        hit("rails-7.1.0.gem"),
        hit("nokogiri-1.16.0-x86_64-linux.gem"),
        hit("nokogiri-1.16.0-java.gem"),
        hit("no-version.gem"),
      ].join("\n"),
    );
    const r = await importStats(t.deps, { path: log, source: "cdn", ecosystem: "rubygems" });
    expect(r).toMatchObject({ downloads: 5, projects: 3, skipped: { unresolved: 1 } });
    const rows = await t.deps.db
      .selectFrom("download_stats as d")
      .innerJoin("stats_names as n", "n.id", "d.name_id")
      .select(["d.ecosystem", "n.name", "d.count"])
      .orderBy("n.name")
      .execute();
    expect(rows.map((x) => [x.ecosystem, x.name, Number(x.count)])).toEqual([
      ["rubygems", "foo-2fa", 1],
      ["rubygems", "nokogiri", 2],
      ["rubygems", "rails", 2],
    ]);
  });

  it("leaves nothing behind when a row fails after several batches were written, and names its line", async () => {
    const lines = [HEADER];
    for (let i = 0; i < BATCH_KEYS + 10; i++) lines.push(`${iso(TODAY - 1 - (i % 100))},pypi,p${i},${i + 1}`);
    lines.push(`${iso(TODAY - 1)},pypi,late,-3`);
    const before = await everything(t);
    await expect(importStats(t.deps, { path: file("bad.csv", lines.join("\n")) })).rejects.toThrow(
      `bad.csv, line ${BATCH_KEYS + 12}: '-3' is not a download count`,
    );
    expect(await everything(t)).toEqual(before);
    expect(await t.deps.db.selectFrom("stats_import_days").selectAll().execute()).toHaveLength(0);
    expect(await t.deps.db.selectFrom("stats_names").selectAll().execute()).toHaveLength(0);
    // The same file, fixed, imports: the failed attempt did not enter the ledger.
    lines.pop();
    const fixed = await importStats(t.deps, { path: file("bad.csv", lines.join("\n")) });
    expect(fixed).toMatchObject({ alreadyImported: false, rows: BATCH_KEYS + 10 });
  });
});
