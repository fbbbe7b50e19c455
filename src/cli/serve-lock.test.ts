import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `wharf serve` as an operator runs it: the built dist/main.js in a child process (npm test builds first).
const MAIN = join(import.meta.dirname, "../../dist/main.js");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`wharf serve exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("wharf serve did not come up");
}

describe("wharf serve on a data folder already in use", () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  const env = (port: number) => ({
    ...process.env,
    WHARF_DATA_DIR: dataDir,
    WHARF_PORT: String(port),
    WHARF_HOST: "127.0.0.1",
    WHARF_LOG_LEVEL: "warn",
    WHARF_DATABASE_URL: "",
    WHARF_REDIS_URL: "",
    CI: "",
  });
  const start = (port: number) => {
    const child = spawn(process.execPath, [MAIN, "serve"], { env: env(port), stdio: "ignore" });
    children.push(child);
    return child;
  };
  const stop = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });

  beforeAll(() => {
    if (!existsSync(MAIN)) execFileSync("npm", ["run", "build"], { stdio: "ignore" });
    dataDir = mkdtempSync(join(tmpdir(), "wharf-lock-"));
    chmodSync(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const c of children) await stop(c);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a second server before it touches the first one's uploads in flight, then starts once the first stops", async () => {
    const port = await freePort();
    const first = start(port);
    await waitHealthy(port, first);
    // The data folder was 0755: the server made it private (issue 11, LOW 16).
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe("700");
    // Uploads in flight on the first server: a twine spool file and a blob being staged.
    mkdirSync(join(dataDir, "tmp", "uploads"), { recursive: true });
    mkdirSync(join(dataDir, "blobs", ".tmp"), { recursive: true });
    const inFlight = [join(dataDir, "tmp", "uploads", "abc.part"), join(dataDir, "blobs", ".tmp", "staged")];
    for (const f of inFlight) writeFileSync(f, "half an upload");

    const second = spawnSync(process.execPath, [MAIN, "serve"], {
      env: env(await freePort()),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(
      `Another Wharf server (pid ${first.pid}) is using the data folder ${dataDir}`,
    );
    for (const f of inFlight) expect(existsSync(f)).toBe(true);
    await waitHealthy(port, first);

    // The lock dies with its holder: no stale lock after the first server is gone, even killed.
    first.kill("SIGKILL");
    await stop(first);
    const port2 = await freePort();
    const third = start(port2);
    await waitHealthy(port2, third);
    await stop(third);
  });
});
