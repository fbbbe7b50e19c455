import { readFileSync } from "node:fs";
import { createPgSchema } from "../../src/test-support/index.js";
import { requirement } from "../../src/test-support/requirements.js";
import { createMaintainer, createToken } from "../e2e/support/pypi.js";
import { startWharf, type WharfServer } from "../e2e/support/server.js";

/**
 * The hostile campaign's scale. `npm test` (and CI) runs the short, seeded version; `npm run test:hostile`
 * sets WHARF_HOSTILE=full for the sizes the attack campaign of issue 11 used.
 */
export const FULL = process.env.WHARF_HOSTILE === "full";
export const scale = (short: number, full: number) => (FULL ? full : short);

/**
 * Where a case runs: SQLite with in-process limits always; PostgreSQL when configured; PostgreSQL with
 * Redis-backed limits (several instances share one count) when both are configured.
 */
export type Backend = "sqlite" | "postgres" | "postgres+redis";

export function backends(opts: { redis?: boolean } = {}): Backend[] {
  const out: Backend[] = ["sqlite"];
  if (requirement("postgres").available) {
    out.push("postgres");
    if (opts.redis && requirement("redis").available) out.push("postgres+redis");
  }
  return out;
}

export interface Target {
  server: WharfServer;
  backend: Backend;
  /** A verified maintainer with a password, and an account-wide token for it. */
  user: { username: string; password: string; token: string };
  stop(): Promise<void>;
}

/** A fresh server (own data dir, own schema, own Redis key prefix) with one maintainer. */
export async function target(backend: Backend, env: Record<string, string> = {}): Promise<Target> {
  const settings: Record<string, string> = { ...env };
  let dropSchema: (() => Promise<void>) | undefined;
  if (backend !== "sqlite") {
    const pg = await createPgSchema();
    settings.WHARF_DATABASE_URL = pg.url;
    dropSchema = pg.drop;
  }
  if (backend === "postgres+redis") {
    settings.WHARF_REDIS_URL = process.env.WHARF_TEST_REDIS_URL!;
    settings.WHARF_REDIS_PREFIX = `wharf-hostile-${process.pid}-${Date.now()}:`;
  }
  const server = await startWharf(settings);
  const username = "maintainer";
  const password = "correct horse battery staple";
  await createMaintainer(server, username, password);
  const token = await createToken(server, username);
  return {
    server,
    backend,
    user: { username, password, token },
    async stop() {
      await server.stop();
      server.cleanup();
      await dropSchema?.();
    },
  };
}

/** User plus system CPU time the process has used so far, in milliseconds (Linux /proc). */
export function cpuMs(pid: number): number {
  // Fields after the command name (which may contain spaces, hence the last ')'): utime is the 12th,
  // stime the 13th, in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The process's resident-set high-water mark, in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Server CPU spent by `work` (ms). */
export async function serverCpu(server: WharfServer, work: () => Promise<unknown>): Promise<number> {
  const before = cpuMs(server.pid);
  await work();
  return cpuMs(server.pid) - before;
}

/** One row of the campaign's table: what was tried, what came out, the goal, and whether it held. */
export interface Row {
  case: string;
  backend: Backend;
  tried: number;
  outcome: string;
  goal: string;
  held: boolean;
}

const rows: Row[] = [];

export function record(row: Row): Row {
  rows.push(row);
  return row;
}

/** The table, printed once at the end of a file (vitest shows it with the run's output). */
export function printTable(title: string): void {
  if (!rows.length) return;
  const head = ["case", "backend", "tried", "outcome", "goal", "held"];
  const body = rows.map((r) => [
    r.case,
    r.backend,
    String(r.tried),
    r.outcome,
    r.goal,
    r.held ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const out = [
    `${title} (${FULL ? "full" : "short"} campaign)`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
  ];
  console.log(out.join("\n"));
  rows.length = 0;
}

/** Runs `n` requests at once (bounded by `concurrency` sockets in flight) and returns every status. */
export async function burst(
  n: number,
  send: (i: number) => Promise<Response>,
  concurrency = n,
): Promise<number[]> {
  const statuses: number[] = new Array(n);
  let next = 0;
  async function lane() {
    while (next < n) {
      const i = next++;
      try {
        const res = await send(i);
        await res.arrayBuffer();
        statuses[i] = res.status;
      } catch {
        statuses[i] = 0;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, lane));
  return statuses;
}
