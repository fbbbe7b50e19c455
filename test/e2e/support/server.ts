import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, WHARF_MAIN } from "./build.js";

// Start-up takes ~2.6 s on a quiet machine but was seen past 20 s at load average 23 (CI beside other
// suites on 2 cores); readiness is not a speed check, so the wait is generous.
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_OUTPUT = 64 * 1024;

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** The parent's environment without WHARF_* settings, so a developer's shell cannot leak into a test. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WHARF_")));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

/** One line of the access log (msg "request", src/ops/access-log.ts), kept when the server logs at info level. */
export interface LoggedRequest {
  method: string;
  url: string;
}

export interface StartOptions {
  /** Reuse a data dir (a restart after stop/kill); by default a fresh temp dir. */
  dataDir?: string;
  /** Reuse a port (a restart keeps URLs, and so WHARF_ORIGIN, stable); by default a free one. */
  port?: number;
}

export interface WharfServer {
  port: number;
  /** The server's process id, for reading its CPU time and memory from /proc (test/hostile/). */
  pid: number;
  /** The configured origin (http://localhost:PORT), for browsers: cookies, CSRF Origin check, WebAuthn. */
  origin: string;
  /** http://127.0.0.1:PORT, for fetch: the server binds IPv4 only and `localhost` may resolve to ::1. */
  url: string;
  dataDir: string;
  outboxDir: string;
  /** The WHARF_* settings it runs with (data dir, port, origin, secret key, ...), for the CLI and restarts. */
  env: Record<string, string>;
  /** Every request in the access log so far (needs WHARF_LOG_LEVEL=info), never truncated. */
  requests(): LoggedRequest[];
  /** What the process printed (stdout and stderr, last 64 KiB), for failure messages. */
  output(): string;
  /** SIGTERM, then the exit status; SIGKILL after 15 s (then `signal` is SIGKILL). Idempotent. */
  stop(): Promise<Exit>;
  /** SIGKILL now (a crash: no graceful shutdown, no cleanup), then the exit status. */
  kill(): Promise<Exit>;
  /** Removes the data dir (call after stop). */
  cleanup(): void;
}

/** Collects access-log lines (msg "request") from pino's JSON output, across chunk boundaries. */
function accessLog(): { feed(b: Buffer): void; requests: LoggedRequest[] } {
  const requests: LoggedRequest[] = [];
  let partial = "";
  return {
    requests,
    feed(b) {
      const lines = (partial + b.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes('"msg":"request"')) continue;
        try {
          const { req } = JSON.parse(line) as { req?: { method?: string; url?: string } };
          if (req?.method && req.url) requests.push({ method: req.method, url: req.url });
        } catch {
          // Not a JSON log line (e.g. a start-up message on stderr).
        }
      }
    },
  };
}

/**
 * Runs `wharf serve` (dist/main.js) on a free port and a fresh data dir, and waits for /readyz. With
 * `opts.dataDir`/`opts.port` it restarts a server that was stopped or killed, on the same data.
 */
export async function startWharf(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<WharfServer> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "wharf-e2e-"));
  const origin = `http://localhost:${port}`;
  const settings: Record<string, string> = {
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_ORIGIN: origin,
    WHARF_SECRET_KEY: "e2e-secret-key-0123456789-abcdefghijklmnopqrstuv",
    WHARF_LOG_LEVEL: "warn",
    // The end-to-end suites publish families of similar names (demo-a, demo-b); the typosquat check
    // (hold by default in production) has its own tests, which turn it on.
    WHARF_TYPOSQUAT_ACTION: "off",
    ...env,
  };
  const child = spawn(process.execPath, [WHARF_MAIN, "serve"], {
    cwd: ROOT,
    env: { ...baseEnv(), ...settings },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const log = accessLog();
  const keep = (b: Buffer) => {
    out = (out + b.toString("utf8")).slice(-MAX_OUTPUT);
  };
  child.stdout?.on("data", (b: Buffer) => {
    keep(b);
    log.feed(b);
  });
  child.stderr?.on("data", keep);
  const exit = exited(child);
  let stopping: Promise<Exit> | undefined;
  let killed = false;
  // A server that exits on its own (not stopped or killed by its test) says so with its last output:
  // otherwise a crash shows only as "fetch failed" in whichever test asks it next.
  void exit.then((e) => {
    if (!stopping && !killed)
      console.error(
        `wharf serve (pid ${child.pid}, port ${port}) exited on its own: ${JSON.stringify(e)}\n${out}`,
      );
  });
  const server: WharfServer = {
    port,
    pid: child.pid ?? 0,
    origin,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    outboxDir: join(dataDir, "outbox"),
    env: settings,
    requests: () => [...log.requests],
    output: () => out,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        const result = await exit;
        clearTimeout(timer);
        return result;
      })();
      return stopping;
    },
    kill() {
      killed = true;
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exit;
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
  try {
    await waitReady(server, exit);
  } catch (e) {
    await server.stop();
    // A restart leaves the data dir to its owner (who may want to look at it).
    if (!opts.dataDir) server.cleanup();
    throw e;
  }
  return server;
}

async function waitReady(server: WharfServer, exit: Promise<Exit>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone: Exit | undefined;
  void exit.then((e) => (gone = e));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`wharf serve exited early (${JSON.stringify(gone)}):\n${server.output()}`);
    const ok = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wharf serve was not ready within ${READY_TIMEOUT_MS} ms:\n${server.output()}`);
}

/** Runs a one-shot `wharf` command (e.g. `user create`) and collects its output. */
export function runWharf(
  args: string[],
  env: Record<string, string>,
  stdin = "",
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WHARF_MAIN, ...args], {
      cwd: ROOT,
      env: { ...baseEnv(), WHARF_LOG_LEVEL: "warn", ...env },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
