// Flat growth (issue 15 item 5): `npm run bench:growth` (builds dist/ first).
//
// For each size in BENCH_GROWTH_SIZES (default 1,000 / 10,000 / 100,000 projects), PyPI project rows
// are inserted straight into a fresh server's SQLite file, all owned by one account ("bench"), and
// `wharf serve` answers the pages whose cost used to grow with the registry: the owner's public profile
// (`/user/bench/`, first and a deep page) and web search (a substring found in ~1/36 of the names, one
// found in every name, one found in none). Each URL gets 3 warm-up requests, then BENCH_REQUESTS
// (default 20) timed ones: the median wall time from this client and the server's CPU per request
// (utime + stime of its process from /proc, so other load on the machine does not count). A page whose
// cost is flat reads the same at every size. BENCH_SHORT=1: 500 and 2,000 projects, 5 requests.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BenchError, fail, freePort, MAIN, printTable, ROOT, SHORT, startWharf } from "./lib.mjs";

const SIZES = (process.env.BENCH_GROWTH_SIZES ?? (SHORT ? "500,2000" : "1000,10000,100000"))
  .split(",")
  .map(Number);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? (SHORT ? 5 : 20));
const Database = createRequire(join(ROOT, "package.json"))("better-sqlite3");
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);

const PAGES = [
  ["profile, first page", "/user/bench/"],
  ["profile, page 20", "/user/bench/?page=20"],
  ["search, 1 name in 36 (q=ject-a)", "/search?q=ject-a"],
  ["search, every name (q=bench-project)", "/search?q=bench-project"],
  ["search, no name (q=zzzq)", "/search?q=zzzq"],
];

/** `count` projects owned by `userId`, the way the upload path writes them (names unique, ids by time). */
function fill(dbFile, count, userId) {
  const db = new Database(dbFile);
  const project = db.prepare(
    "insert into projects (id, ecosystem, name, normalized_name, ultranormalized_name, created_at) values (?, 'pypi', ?, ?, ?, ?)",
  );
  const role = db.prepare(
    "insert into roles (project_id, user_id, role, created_at) values (?, ?, 'owner', ?)",
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `bench${String(i).padStart(12, "0")}`;
      const name = `bench-project-${i.toString(36)}-${(i * 7919).toString(36)}`;
      project.run(id, name, name, name.replace(/-/g, ""), now);
      role.run(id, userId, now);
    }
  })();
  db.close();
}

/** The server's CPU time so far, in ms (utime + stime from /proc/<pid>/stat). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function get(url) {
  const start = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) fail(`GET ${url}: ${res.status}\n${body.slice(0, 500)}`);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: Buffer.byteLength(body) };
}

async function measureSize(count) {
  const dataDir = mkdtempSync(join(tmpdir(), "wharf-bench-growth-"));
  const secret = randomBytes(32).toString("hex");
  const env = { ...process.env, WHARF_DATA_DIR: dataDir, WHARF_SECRET_KEY: secret, WHARF_LOG_LEVEL: "warn" };
  execFileSync(process.execPath, [MAIN, "migrate"], { env, stdio: "ignore" });
  execFileSync(
    process.execPath,
    [MAIN, "user", "create", "--username", "bench", "--email", "bench@example.test", "--password-stdin"],
    { env, input: "bench password for wharf 1\n", stdio: ["pipe", "ignore", "inherit"] },
  );
  const dbFile = join(dataDir, "wharf.db");
  const db = new Database(dbFile, { readonly: true });
  const userId = db.prepare("select id from users where username = 'bench'").get()?.id;
  db.close();
  if (!userId) fail("the bench account was not created");
  fill(dbFile, count, userId);
  const wharf = startWharf(dataDir, await freePort(), { WHARF_SECRET_KEY: secret, WHARF_LOG_LEVEL: "warn" });
  const out = [];
  try {
    await wharf.ready();
    for (const [label, path] of PAGES) {
      const url = wharf.base + path;
      for (let i = 0; i < 3; i++) await get(url);
      const times = [];
      let bytes = 0;
      const cpu0 = cpuMs(wharf.pid);
      for (let i = 0; i < REQUESTS; i++) {
        const r = await get(url);
        times.push(r.ms);
        bytes = r.bytes;
      }
      const cpu = (cpuMs(wharf.pid) - cpu0) / REQUESTS;
      times.sort((a, b) => a - b);
      out.push({ label, count, median: times[times.length >> 1], max: times.at(-1), cpu, bytes });
    }
  } finally {
    await wharf.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

async function main() {
  const before = loadavg()[0];
  const results = [];
  for (const size of SIZES) results.push(...(await measureSize(size)));
  console.log(
    `${REQUESTS} requests per row after 3 warm-up; load average ${before.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
  );
  printTable([
    ["page", "projects", "median ms", "max ms", "server CPU ms/request", "bytes"],
    ...results.map((r) => [
      r.label,
      r.count.toLocaleString("en-US"),
      r.median.toFixed(1),
      r.max.toFixed(1),
      r.cpu.toFixed(2),
      String(r.bytes),
    ]),
  ]);
}

main().catch((e) => {
  console.error(`bench:growth: ${e instanceof BenchError ? e.message : (e?.stack ?? String(e))}`);
  process.exitCode = 1;
});
