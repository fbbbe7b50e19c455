import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyBaseLogger } from "fastify";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../test/e2e/support/build.js";
import { startWharf } from "../../test/e2e/support/server.js";
import { AccessLog } from "./access-log.js";
import { LogWriter } from "./log-writer.js";

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lineOf = (i: number) => `{"n":${i},"pad":"${"x".repeat(400)}"}\n`;

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wharf-log-"));
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A file to write into, as the descriptor a server's standard output would be. */
function logFile() {
  const path = join(dir, "out.log");
  const fd = openSync(path, "w");
  return { fd, read: () => readFileSync(path, "utf8"), close: () => closeSync(fd) };
}

/**
 * A real non-blocking pipe (libuv opens a child's stdin that way) whose reader, `cat`, starts taking data
 * only after `delayMs`, copying it to a file: a log reader that stalls, then catches up. The pipe holds
 * 64 KiB, so a larger batch is refused with EAGAIN or written in part.
 */
function slowReader(delayMs: number) {
  const out = join(dir, "pipe.log");
  const outFd = openSync(out, "w");
  const child = spawn("sh", ["-c", `sleep ${delayMs / 1000}; exec cat`], {
    stdio: ["pipe", outFd, "ignore"],
  });
  closeSync(outFd);
  children.push(child);
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  const finish = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    child.stdin!.end();
    await exited;
    return readFileSync(out, "utf8");
  };
  return { fd, finish };
}

async function until(cond: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(5);
  }
}

describe("log writer", () => {
  it("gathers a turn's lines and writes them after it, in order", async () => {
    const file = logFile();
    const writer = new LogWriter(file.fd);
    const lines = Array.from({ length: 100 }, (_, i) => lineOf(i));
    for (const l of lines) writer.write(l);
    expect(file.read()).toBe("");
    await turn();
    expect(file.read()).toBe(lines.join(""));
    writer.write("é 名前\n");
    await turn();
    expect(file.read()).toBe(`${lines.join("")}é 名前\n`);
    file.close();
  });

  it("writes what is gathered when pino's logger.flush is called", async () => {
    const file = logFile();
    const logger = pino({ level: "info" }, new LogWriter(file.fd));
    logger.info("before the flush");
    await new Promise<void>((resolve) => {
      logger.flush(() => resolve());
      expect(file.read()).toContain("before the flush");
    });
    file.close();
  });

  it("keeps pino's own lines and the access log's fast lines in one order", async () => {
    const file = logFile();
    const writer = new LogWriter(file.fd);
    let n = 0;
    const app = Fastify({
      loggerInstance: pino({ level: "info" }, writer) as FastifyBaseLogger,
      genReqId: () => `req-${++n}`,
      logController: new AccessLog(true),
    });
    app.get("/:i", async (req) => {
      req.log.info({ i: req.params }, "inside");
      return "ok";
    });
    await app.ready();
    for (let i = 0; i < 20; i++) {
      await app.inject(`/${i}`);
      if (i % 3 === 0) writer.write(`{"raw":${i}}\n`); // a replayed answer's line (http/replay.ts)
    }
    await app.close();
    await turn();
    const lines = file
      .read()
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    const expected = Array.from({ length: 20 }, (_, i) => [
      { msg: "inside", reqId: `req-${i + 1}` },
      { msg: "request", reqId: `req-${i + 1}`, req: { url: `/${i}` } },
      ...(i % 3 === 0 ? [{ raw: i }] : []),
    ]).flat();
    expect(lines).toHaveLength(expected.length);
    for (const [i, e] of expected.entries()) expect(lines[i]).toMatchObject(e);
    file.close();
  });

  it("keeps what a stalled reader refuses, without holding the event loop, and writes it whole once it reads", async () => {
    const reader = slowReader(1_000);
    const writer = new LogWriter(reader.fd);
    const lines = Array.from({ length: 2_000 }, (_, i) => lineOf(i)); // ~0.8 MB: far past the pipe's 64 KiB
    for (const l of lines.slice(0, 1_000)) writer.write(l);
    await turn();
    expect(writer.waiting).toBe(true);
    // Requests go on meanwhile: a timer fires on time although the log cannot be written.
    const before = performance.now();
    await sleep(20);
    expect(performance.now() - before).toBeLessThan(700);
    for (const l of lines.slice(1_000)) writer.write(l);
    await until(() => !writer.waiting);
    expect(await reader.finish()).toBe(lines.join(""));
  });

  it("drops lines past its bound while the reader is stalled, and says how many once it reads", async () => {
    const reader = slowReader(300);
    const writer = new LogWriter(reader.fd, { maxPendingBytes: 256 * 1024 });
    const lines = Array.from({ length: 2_000 }, (_, i) => lineOf(i));
    const kept = lines.filter((l) => writer.write(l));
    expect(kept.length).toBeLessThan(lines.length);
    expect(writer.droppedLines).toBe(lines.length - kept.length);
    await turn();
    await sleep(50);
    expect(writer.write(lineOf(9_999))).toBe(true); // room again: the pipe took its 64 KiB
    await until(() => !writer.waiting);
    writer.write(lineOf(10_000));
    await until(() => !writer.waiting);
    const out = (await reader.finish()).trimEnd().split("\n");
    expect(out.slice(0, kept.length)).toEqual(kept.map((l) => l.trimEnd()));
    const rest = out.slice(kept.length).map((l) => JSON.parse(l));
    // The report stands where the lines are missing.
    expect(rest[0]).toMatchObject({ level: 40, droppedLines: lines.length - kept.length });
    expect(rest[1]).toMatchObject({ n: 9_999 });
    expect(rest[2]).toMatchObject({ n: 10_000 });
    expect(writer.droppedLines).toBe(0);
  });

  it("flushes everything synchronously at shutdown, waiting for a reader that is slow to start", async () => {
    const reader = slowReader(200);
    const writer = new LogWriter(reader.fd);
    const lines = Array.from({ length: 1_000 }, (_, i) => lineOf(i));
    for (const l of lines) writer.write(l);
    writer.flushSync(); // before the turn: nothing written yet, and the reader takes nothing for 200 ms
    expect(writer.waiting).toBe(false);
    expect(await reader.finish()).toBe(lines.join(""));
  });

  it("gives up the shutdown flush after its patience when the reader never reads", async () => {
    const reader = slowReader(60_000);
    const writer = new LogWriter(reader.fd, { flushPatienceMs: 200 });
    for (let i = 0; i < 1_000; i++) writer.write(lineOf(i));
    const started = Date.now();
    writer.flushSync();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(writer.waiting).toBe(false);
  });

  it("keeps going when the reader is gone (EPIPE)", async () => {
    const reader = slowReader(0);
    const child = children.at(-1)!;
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const writer = new LogWriter(reader.fd);
    writer.write(lineOf(1));
    await turn();
    expect(writer.waiting).toBe(false);
    writer.write(lineOf(2));
    writer.flushSync();
  });
});

// `wharf serve` as an operator runs it (the e2e suites' harness): every line logged up to the exit
// reaches standard output, although the process exits right after the shutdown (main.ts).
describe("wharf serve's standard output", () => {
  it("holds every access line and the shutdown lines after SIGTERM", async () => {
    await ensureBuilt();
    const server = await startWharf({ WHARF_LOG_LEVEL: "info" });
    try {
      for (let i = 0; i < 50; i++) await fetch(`${server.url}/healthz?i=${i}`);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
      const urls = server
        .requests()
        .map((r) => r.url)
        .filter((u) => u.startsWith("/healthz?i="));
      expect(urls).toEqual(Array.from({ length: 50 }, (_, i) => `/healthz?i=${i}`));
      // The last JSON line (stderr's lines are plain text) is the shutdown's own.
      const json = server
        .output()
        .split("\n")
        .filter((l) => l.startsWith("{"));
      expect(JSON.parse(json.at(-1) ?? "{}")).toMatchObject({
        signal: "SIGTERM",
        msg: "shutting down: finishing open requests",
      });
    } finally {
      server.cleanup();
    }
  });
});
