// The /simple/ root at scale (issue 15 item 3): `npm run bench:simple-root` (builds dist/ first).
//
// BENCH_PROJECTS PyPI projects (default 100,000) are inserted straight into the server's SQLite file;
// then `wharf serve` answers GET /simple/ (pip's JSON and the HTML). Timed, from the client: the first
// request of each format (the listing built from the database), a warm request, and the first request
// of each format after a change to one project made by the CLI in another process (quarantine: a line
// goes; release: it comes back), which reaches the server through the change log (≤ 1 s poll, waited
// out before timing). A change used to drop the listing and rebuild it from every row.
//
// BENCH_BASELINE_MAIN=/path/to/other/dist/main.js runs the same against another build first (before/after
// in one run). BENCH_SHORT=1: 2,000 projects, one change.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BenchError, fail, freePort, MAIN, printTable, ROOT, SHORT, startWharf } from "./lib.mjs";

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? (SHORT ? 2_000 : 100_000));
const CHANGES = SHORT ? 1 : 3;
const PIP_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01";
const FORMATS = [
  ["JSON", { accept: PIP_ACCEPT, "accept-encoding": "gzip" }],
  ["HTML", { accept: "text/html", "accept-encoding": "gzip" }],
];
const Database = createRequire(join(ROOT, "package.json"))("better-sqlite3");

/** Project rows the way the upload path writes them (ids sort by time; names are unique). */
function fill(dbFile) {
  const db = new Database(dbFile);
  const insert = db.prepare(
    "insert into projects (id, ecosystem, name, normalized_name, ultranormalized_name, created_at) values (?, 'pypi', ?, ?, ?, ?)",
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < PROJECTS; i++) {
      const name = `bench-project-${i.toString(36)}-${(i * 7919).toString(36)}`;
      insert.run(`bench${String(i).padStart(12, "0")}`, name, name, name.replace(/-/g, ""), now);
    }
  })();
  db.close();
}

async function timedGet(url, headers) {
  const start = process.hrtime.bigint();
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.status !== 200) fail(`GET ${url}: ${res.status}`);
  return { ms, bytes: body.length, etag: res.headers.get("etag") };
}

async function measure(label, main) {
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-root-"));
  const secret = randomBytes(32).toString("hex");
  const env = { ...process.env, WHARF_DATA_DIR: dataDir, WHARF_SECRET_KEY: secret, WHARF_LOG_LEVEL: "warn" };
  execFileSync(process.execPath, [main, "migrate"], { env, stdio: "ignore" });
  fill(join(dataDir, "wharf.db"));
  const wharf = startWharf(dataDir, await freePort(), { WHARF_SECRET_KEY: secret }, main);
  const rows = [];
  try {
    await wharf.ready();
    const url = `${wharf.base}/simple/`;
    for (const [fmt, headers] of FORMATS) {
      const cold = await timedGet(url, headers);
      const warm = [];
      for (let i = 0; i < 10; i++) warm.push((await timedGet(url, headers)).ms);
      warm.sort((a, b) => a - b);
      rows.push([`${label}: ${fmt}, first request`, cold.ms, cold.bytes]);
      rows.push([`${label}: ${fmt}, warm (median of 10)`, warm[5], cold.bytes]);
    }
    const after = { JSON: [], HTML: [] };
    for (let i = 0; i < CHANGES; i++) {
      const name = `bench-project-${(i * 37).toString(36)}-${(i * 37 * 7919).toString(36)}`;
      for (const action of ["quarantine", "release"]) {
        wharf.cli(["project", action, `pypi/${name}`, "--reason", "benchmark: one project changes"]);
        await new Promise((r) => setTimeout(r, 1_500)); // the change log is polled every second
        for (const [fmt, headers] of FORMATS) after[fmt].push((await timedGet(url, headers)).ms);
        const listed = (await (await fetch(url, { headers: { accept: PIP_ACCEPT } })).json()).projects;
        const present = listed.some((p) => p.name === name);
        if (present !== (action === "release")) fail(`${label}: ${name} after ${action}: listed=${present}`);
        if (listed.length !== PROJECTS - (action === "quarantine" ? 1 : 0))
          fail(`${label}: ${listed.length} projects listed after ${action}`);
      }
    }
    for (const [fmt] of FORMATS) {
      const s = after[fmt].sort((a, b) => a - b);
      rows.push([`${label}: ${fmt}, first after a change (median of ${s.length})`, s[s.length >> 1], 0]);
    }
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function main() {
  const rows = [];
  const baseline = process.env.BENCH_BASELINE_MAIN;
  if (baseline) rows.push(...(await measure("baseline", baseline)));
  rows.push(...(await measure("this build", MAIN)));
  console.log(
    `${PROJECTS} PyPI projects; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  printTable([
    ["GET /simple/ (Accept-Encoding: gzip)", "ms", "bytes (decoded)"],
    ...rows.map(([l, ms, bytes]) => [l, ms.toFixed(1), bytes ? String(bytes) : ""]),
  ]);
}

main().catch((e) => {
  console.error(`bench:simple-root: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
