// Statistics import benchmark: `npm run bench:stats-import` (builds dist/ first).
//
// Writes a CSV export (date,ecosystem,project,count) of ~2.7M project-day rows — by default 15,000
// projects x 180 days, the names from the real PyPI top 15,000 (../shared/data) when present, else
// generated — or takes an existing file, then runs `importStats` (what `wharf stats import` runs) on a
// fresh SQLite database in a child process, so the peak RSS it prints is the import's alone
// (process.resourceUsage().maxRSS). Prints rows/s, wall and CPU time, peak RSS and the database size.
//
// Settings (environment): BENCH_FILE (import this file instead of generating one), BENCH_PROJECTS
// (default 15000), BENCH_DAYS (days kept as days, default 180), BENCH_OLD_DAYS (days of history before
// the retention window, folded into monthly totals; default 0), BENCH_KEEP=1 (keep the temp dir).
import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const DAY = 86_400_000;
// The job's day in the criticality bench: the data file's 30 days end on 2026-03-31.
const NOW = Date.UTC(2026, 2, 31, 12);
const TODAY = Math.floor(NOW / DAY);
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const iso = (d) => new Date(d * DAY).toISOString().slice(0, 10);

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4]);
  process.exit(0);
}

const dist = fileURLToPath(new URL("../dist/stats/index.js", import.meta.url));
if (!existsSync(dist))
  throw new Error("dist/ is missing: run `npm run build` (npm run bench:stats-import does)");
const dir = mkdtempSync(join(tmpdir(), "wharf-bench-import-"));
try {
  let file = process.env.BENCH_FILE;
  if (!file) {
    file = join(dir, "downloads.csv");
    const t = performance.now();
    const rows = await generate(file);
    console.log(
      `generated ${file}: ${fmt(rows)} rows, ${(statSync(file).size / 1048576).toFixed(1)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--child", file, dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(out);
  console.log(
    `(load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores, Node ${process.versions.node})`,
  );
} finally {
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

/** The CSV, written as a stream (the generator must not be what uses the memory). */
async function generate(path) {
  const short = process.env.BENCH_SHORT === "1";
  const projects = Number(process.env.BENCH_PROJECTS ?? (short ? 200 : 15_000));
  const days = Number(process.env.BENCH_DAYS ?? (short ? 5 : 180));
  const oldDays = Number(process.env.BENCH_OLD_DAYS ?? 0);
  const names = await topNames(projects);
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? null : new Promise((r) => out.once("drain", r)));
  await write("date,ecosystem,project,count\n");
  let rows = 0;
  // Old history first: it starts 400 days before the window so it is past any retention cutoff.
  const first = TODAY - days;
  const ranges =
    oldDays > 0
      ? [
          [first - 400 - oldDays, first - 400],
          [first, TODAY],
        ]
      : [[first, TODAY]];
  for (const [from, to] of ranges) {
    for (let d = from; d < to; d++) {
      const date = iso(d);
      let chunk = "";
      for (let i = 0; i < names.length; i++) {
        chunk += `${date},pypi,${names[i]},${1 + ((i * 7919 + d * 104_729) % 100_000)}\n`;
        rows++;
      }
      await write(chunk);
    }
  }
  await new Promise((r) => out.end(r));
  return rows;
}

async function topNames(n) {
  const csv = fileURLToPath(new URL("../../shared/data/pypi-top-15000-30d-2026-04.csv", import.meta.url));
  const names = [];
  if (existsSync(csv)) {
    const lines = createInterface({ input: createReadStream(csv) });
    for await (const line of lines) {
      const m = /^\d+,"?([^"]+)"?$/.exec(line.trim());
      if (m && names.length < n) names.push(m[1]);
    }
  }
  for (let i = names.length; i < n; i++) names.push(`generated-project-${i}`);
  return names;
}

async function child(file, dir) {
  const { migrateToLatest, openDatabase } = await import("../dist/db/index.js");
  const { importStats } = await import("../dist/stats/index.js");
  const dbPath = join(dir, "wharf.db");
  const handle = openDatabase(`sqlite:${dbPath}`);
  await migrateToLatest(handle);
  const deps = { db: handle.db, dialect: handle.dialect, clock: { now: () => NOW } };
  const rssBefore = process.resourceUsage().maxRSS;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const peakOf = { heapTotal: 0, external: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakOf.heapTotal = Math.max(peakOf.heapTotal, m.heapTotal);
    peakOf.external = Math.max(peakOf.external, m.external);
  }, 200);
  const r = await importStats(deps, { path: file });
  clearInterval(sampler);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const peak = process.resourceUsage().maxRSS;
  await handle.close();
  const dbSize = statSync(dbPath).size + (statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  const lines = Math.max(0, r.lines - 1);
  console.log(
    `imported ${fmt(lines)} rows (${fmt(r.rows)} project-days kept, ${fmt(r.folded?.rows ?? 0)} folded into ${fmt(r.folded?.months ?? 0)} monthly totals) ` +
      `in ${(ms / 1000).toFixed(1)} s: ${fmt(lines / (ms / 1000))} rows/s (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s)`,
  );
  console.log(
    `peak RSS ${(peak / 1024).toFixed(0)} MiB (${(rssBefore / 1024).toFixed(0)} MiB before the import started); ` +
      `sampled peaks: V8 heap ${(peakOf.heapTotal / 1048576).toFixed(0)} MiB, external ${(peakOf.external / 1048576).toFixed(0)} MiB; database ${(dbSize / 1048576).toFixed(0)} MiB`,
  );
}
