// Typosquat check benchmark: `npm run bench:typosquat` (builds dist/ first).
//
// Indexes 700,000 names (BENCH_NAMES) — the real PyPI top 15,000 (../shared/data, or the test fixture
// copy) and a generated long tail of two- and three-word names made of the real names' own words —
// then times `match()` per checked name: real typosquats, unrelated new names, and hostile names (very
// long, all separators, mixed scripts). Prints the load average, build time, index entries, memory (JS
// heap plus the typed arrays, which live outside the heap), and a table of microseconds per check
// (median, p99 and max over every name of a kind, after a warm-up): one check is what a publish of a
// new project adds.
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { normalizeName } from "../dist/ecosystems/pypi/index.js";
import { TyposquatIndex } from "../dist/ecosystems/typosquat/index.js";

const NAMES = Number(process.env.BENCH_NAMES ?? (process.env.BENCH_SHORT === "1" ? 5_000 : 700_000));
const shared = fileURLToPath(new URL("../../shared/data/pypi-top-15000-30d-2026-04.csv", import.meta.url));
const fixture = fileURLToPath(new URL("../test/fixtures/pypi-top-15000-30d-2026-04.csv", import.meta.url));
const csv = readFileSync(existsSync(shared) ? shared : fixture, "utf8");
const top = csv
  .split("\n")
  .slice(1)
  .filter((l) => l.includes(","))
  .map((l) => l.slice(l.indexOf(",") + 1).replace(/"/g, ""));

// mulberry32: a fixed seed, so every run indexes the same names.
let seed = 0x5eed;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const words = [...new Set(top.flatMap((n) => n.toLowerCase().split(/[-_.]+/)))].filter((w) => w.length > 1);
const pick = () => words[Math.floor(rand() * words.length)];
const names = [...top];
const seen = new Set(top.map(normalizeName));
while (names.length < NAMES) {
  const n = rand() < 0.6 ? `${pick()}-${pick()}` : `${pick()}-${pick()}-${pick()}`;
  if (seen.has(n)) continue;
  seen.add(n);
  names.push(n);
}

const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
// The index's tables are Float64Arrays: outside the JS heap, counted in `arrayBuffers`.
const held = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
globalThis.gc?.();
const mem0 = held();
// CPU time beside wall time: on a shared machine the wall clock counts other processes' turns too.
const cpuMs = (from) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
let cpu0 = process.cpuUsage();
let t0 = performance.now();
const index = new TyposquatIndex(names, normalizeName);
const buildMs = performance.now() - t0;
const buildCpuMs = cpuMs(cpu0);
// The builders' grown buffers are garbage now; their memory goes back once collected and swept.
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
globalThis.gc?.();
const memMb = (held() - mem0) / 2 ** 20;
const rssMb = process.memoryUsage().rss / 2 ** 20;

const kinds = {
  "real typosquats": [
    "jeIlyfish",
    "python3-dateutil",
    "colourama",
    "reqeusts",
    "urlib3",
    "djanga",
    "setup-tools",
    "nunpy",
    "googel-clould-storage",
    "py-requests",
  ],
  "new unrelated names": Array.from({ length: 2000 }, (_, i) => `wharf-${pick()}x${i}-${pick()}`),
  "hostile names": [
    "a".repeat(200),
    `a${"-".repeat(198)}b`,
    `${"a-".repeat(99)}a`,
    "ab".repeat(21),
    "googlecloudstoragegooglecloudstorage",
    "rеquеsts-ѕеtuрtооls",
    "i1l|I".repeat(8),
  ],
};

const fmt = (n) => n.toFixed(1);
console.log(`load average before the build: ${load} (${new Date().toISOString()}, Node ${process.version})`);
console.log(
  `names indexed: ${index.size.toLocaleString("en-US")}  index entries: ${index.entries.toLocaleString("en-US")}`,
);
console.log(
  `build: ${(buildMs / 1000).toFixed(1)} s (CPU ${(buildCpuMs / 1000).toFixed(1)} s)  index memory: ~${Math.round(memMb)} MB  process RSS: ${Math.round(rssMb)} MB`,
);
console.log("");
console.log("| checked names         | checks | matched | median µs | p99 µs | max µs | CPU µs per check |");
console.log("| --------------------- | -----: | ------: | --------: | -----: | -----: | ---------------: |");
for (const [kind, list] of Object.entries(kinds)) {
  for (const n of list) index.match(n); // warm-up
  const times = [];
  let hits = 0;
  cpu0 = process.cpuUsage();
  for (let round = 0; round < 5; round++) {
    for (const n of list) {
      t0 = performance.now();
      if (index.match(n)) hits++;
      times.push((performance.now() - t0) * 1000);
    }
  }
  const cpuPerCheck = (cpuMs(cpu0) * 1000) / times.length;
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(
    `| ${kind.padEnd(21)} | ${String(list.length).padStart(6)} | ${String(hits / 5).padStart(7)} | ${fmt(at(0.5)).padStart(9)} | ${fmt(at(0.99)).padStart(6)} | ${fmt(at(1)).padStart(6)} | ${fmt(cpuPerCheck).padStart(16)} |`,
  );
}
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
