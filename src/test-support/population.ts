import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { normalizeName } from "../ecosystems/pypi/index.js";
import { mulberry32 } from "./prng.js";

/**
 * A realistic registry population for the criticality benchmark, the simulation and tests:
 *
 * - the head: real PyPI projects with their real 30-day download counts, spread over the days with a
 *   weekly rhythm (weekends lower), a per-project trend of ±30% and day-to-day noise;
 * - the tail to `total` projects: the head's curve continued. The real data's log-log slope steepens
 *   from 1.3 (ranks 100-1,000) to 1.9 (1,000-5,000) and 2.4 (5,000-15,000), so the tail keeps
 *   steepening at that rate, plus a floor of 0.05 downloads a day (mirrors, scanners): projects ranked
 *   below ~200k are downloaded on a few days a month at most (sparse days, as on PyPI);
 * - maintainers: 1-10 per head project, 1-3 per tail project, often shared (prolific maintainers), with
 *   a mix of second factors (head maintainers far more often protected) and ~3% unverified emails.
 *
 * Deterministic for a seed: the same counts come out of `forEachDay` on every call, so a benchmark can
 * load them into the database and compute an independent ranking from the same numbers.
 */
export interface HeadProject {
  name: string;
  /** Downloads over 30 days. */
  monthly: number;
}

export interface PopulationOptions {
  head: HeadProject[];
  /** Projects in all, head included. */
  total: number;
  /** The days with counts: `days` days ending with `lastDay` (days since the epoch, UTC). */
  days: number;
  lastDay: number;
  seed?: number;
}

export const MFA = { none: 0, totp: 1, key: 2, both: 3 } as const;

export interface Population {
  /** Normalized project names, most downloaded first. */
  names: string[];
  /** Mean downloads a day. */
  lambda: Float64Array;
  firstDay: number;
  lastDay: number;
  headSize: number;
  /** Calls `fn` for every day with downloads of project `i`, oldest first. */
  forEachDay(i: number, fn: (day: number, count: number) => void): void;
  users: { count: number; mfa: Uint8Array; verified: Uint8Array };
  /** Role i: user roleUser[i] maintains project roleProject[i] (the first role of a project is its owner). */
  roles: { project: Int32Array; user: Int32Array; owner: Uint8Array; count: number };
}

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

function poisson(rnd: () => number, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rnd)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rnd();
  while (p > limit) {
    k++;
    p *= rnd();
  }
  return k;
}

// Epoch day 0 was a Thursday: day % 7 === 2 is a Saturday, 3 a Sunday.
const weekday = (day: number) => (day % 7 === 2 || day % 7 === 3 ? 0.7 : 1.08);

export function buildPopulation(opts: PopulationOptions): Population {
  const seed = opts.seed ?? 42;
  const head = opts.head.slice(0, opts.total);
  const total = Math.max(opts.total, head.length);
  const names: string[] = new Array(total);
  const lambda = new Float64Array(total);
  const taken = new Set<string>();
  head.forEach((h, i) => {
    names[i] = normalizeName(h.name);
    taken.add(names[i]!);
    lambda[i] = h.monthly / 30;
  });
  const n0 = Math.max(head.length, 1);
  let logm = Math.log(Math.max(head.length ? head[head.length - 1]!.monthly / 30 : 50, 1e-3));
  for (let i = head.length; i < total; i++) {
    const r = i + 1;
    const slope = 2.4 + 0.3 * Math.log(r / (0.577 * n0));
    logm -= Math.max(slope, 0.5) * Math.log(r / (r - 1));
    lambda[i] = Math.exp(logm) + 0.05;
    let name = `pkg-${i.toString(36)}`;
    while (taken.has(name)) name = `${name}-x`;
    names[i] = name;
  }
  const firstDay = opts.lastDay - opts.days + 1;
  const forEachDay = (i: number, fn: (day: number, count: number) => void) => {
    const rnd = mulberry32(seed * 1_000_003 + i * 7919 + 1);
    const isHead = i < head.length;
    const trend = (rnd() - 0.5) * 0.6;
    for (let d = firstDay; d <= opts.lastDay; d++) {
      const shape = weekday(d) * (1 + (trend * (d - firstDay)) / opts.days);
      const mean = lambda[i]! * shape;
      const c = isHead ? Math.round(mean * Math.exp(0.1 * gaussian(rnd))) : poisson(rnd, mean);
      if (c > 0) fn(d, c);
    }
  };
  return {
    names,
    lambda,
    firstDay,
    lastDay: opts.lastDay,
    headSize: head.length,
    forEachDay,
    ...people(total, head.length, seed),
  };
}

function people(total: number, headSize: number, seed: number) {
  const rnd = mulberry32(seed ^ 0x5eed);
  const cap = Math.ceil(total * 1.6) + 16;
  const project = new Int32Array(cap);
  const user = new Int32Array(cap);
  const owner = new Uint8Array(cap);
  const onHead: boolean[] = [];
  let count = 0;
  for (let p = 0; p < total; p++) {
    const isHead = p < headSize;
    const u = rnd();
    const k = isHead ? Math.min(10, 1 + poisson(rnd, 1.5)) : u < 0.75 ? 1 : u < 0.95 ? 2 : 3;
    const chosen = new Set<number>();
    for (let j = 0; j < k && count < cap; j++) {
      // New maintainers join all the time; the rest already maintain something (prolific maintainers).
      let who =
        onHead.length === 0 || rnd() < 0.55 ? onHead.push(isHead) - 1 : Math.floor(rnd() * onHead.length);
      if (chosen.has(who)) who = onHead.push(isHead) - 1;
      chosen.add(who);
      if (isHead) onHead[who] = true;
      project[count] = p;
      user[count] = who;
      owner[count] = j === 0 ? 1 : 0;
      count++;
    }
  }
  const n = onHead.length;
  const mfa = new Uint8Array(n);
  const verified = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = rnd();
    // Head maintainers: 40% none, 40% authenticator app, 12% security key, 8% both; others far less.
    mfa[i] = onHead[i]
      ? x < 0.4
        ? MFA.none
        : x < 0.8
          ? MFA.totp
          : x < 0.92
            ? MFA.key
            : MFA.both
      : x < 0.8
        ? MFA.none
        : x < 0.95
          ? MFA.totp
          : x < 0.98
            ? MFA.key
            : MFA.both;
    verified[i] = rnd() < 0.97 ? 1 : 0;
  }
  return { users: { count: n, mfa, verified }, roles: { project, user, owner, count } };
}

/**
 * `download_count,project` rows of a real download ranking (the benchmark passes the repository's
 * sibling `shared/data` file), most downloaded first; null when the file is not there.
 */
export async function readTopPypi(path: string): Promise<HeadProject[] | null> {
  if (!existsSync(path)) return null;
  const lines = (await readFile(path, "utf8")).split("\n").slice(1);
  const out: HeadProject[] = [];
  for (const line of lines) {
    const m = /^(\d+),"?([^"]+)"?\s*$/.exec(line);
    if (m) out.push({ name: m[2]!, monthly: Number(m[1]) });
  }
  return out.sort((a, b) => b.monthly - a.monthly);
}
