import { writeSync } from "node:fs";

/** How long the shutdown flush keeps retrying a reader that takes nothing, before it gives up. */
const FLUSH_PATIENCE_MS = 2_000;
/** How soon a write the reader refused (EAGAIN) is tried again. */
const RETRY_MS = 10;

/**
 * The process's log destination (pino's `write(line)` contract): lines gathered during one event-loop
 * turn go out in one write(2) of one Buffer.
 *
 * Why not pino's SonicBoom: at index-serving rates its string path was the access log's remaining cost
 * (issue 15: 5–7 µs of a 35–45 µs replayed answer) — each `write` takes the byte length of everything
 * gathered so far, and each finished write converts the written text to a Buffer once more. Here a line
 * costs an array push; the turn's lines are joined and encoded once.
 *
 * Why synchronous, once per turn: the order of lines is the order of `write` calls with nothing in
 * flight, so pino's own lines and the access log's (both come here) never interleave or tear, and the
 * shutdown flush is exact. A blocking descriptor whose reader is slow holds the event loop while the
 * kernel takes the batch — as pino's default destination (synchronous, a write per line) does.
 * A non-blocking one (a pipe another process set O_NONBLOCK on) refuses with EAGAIN instead: the rest
 * is kept, in order, and tried again on a timer, so a stalled reader never blocks requests. What waits
 * is bounded by `maxPendingBytes` (lines not yet encoded count by their length): past it lines are
 * dropped and counted, and the count is logged where they are missing once there is room again (an
 * unbounded buffer would let a stuck log reader exhaust memory).
 * Other errors (EPIPE: the reader is gone) drop the batch: a logger must not take the server down.
 */
export class LogWriter {
  private lines: string[] = [];
  private pendingChars = 0;
  /** Bytes the reader refused part of, written before any newer line. */
  private stalled: Buffer | undefined;
  private scheduled = false;
  private retry: NodeJS.Timeout | undefined;
  private dropped = 0;

  private readonly maxPendingBytes: number;
  private readonly flushPatienceMs: number;

  constructor(
    private readonly fd: number,
    opts: { maxPendingBytes?: number; flushPatienceMs?: number } = {},
  ) {
    this.maxPendingBytes = opts.maxPendingBytes ?? 16 * 1024 * 1024;
    this.flushPatienceMs = opts.flushPatienceMs ?? FLUSH_PATIENCE_MS;
  }

  write(line: string): boolean {
    const waiting = this.pendingChars + (this.stalled?.length ?? 0);
    if (waiting + line.length > this.maxPendingBytes) {
      this.dropped++;
      return false;
    }
    // The count of what was dropped stands where the lines are missing.
    if (this.dropped > 0) this.reportDropped();
    this.lines.push(line);
    this.pendingChars += line.length;
    if (!this.scheduled && this.retry === undefined) {
      this.scheduled = true;
      setImmediate(this.flushTurn);
    }
    return true;
  }

  /** Lines dropped since the last report (the reader did not keep up). */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Whether anything is still to be written. */
  get waiting(): boolean {
    return this.lines.length > 0 || this.stalled !== undefined;
  }

  private readonly flushTurn = (): void => {
    this.scheduled = false;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.writeOut();
    if (this.stalled) this.retry = setTimeout(this.flushTurn, RETRY_MS);
  };

  /** Writes what is stalled, then what is gathered, until done or refused. */
  private writeOut(): boolean {
    if (this.stalled && !this.writeAll(this.stalled)) return false;
    if (this.lines.length === 0) return true;
    const batch = Buffer.from(this.lines.join(""));
    this.lines = [];
    this.pendingChars = 0;
    return this.writeAll(batch);
  }

  /** Writes `buf` whole, or keeps the unwritten rest in `stalled` and answers false. */
  private writeAll(buf: Buffer): boolean {
    let offset = 0;
    while (offset < buf.length) {
      try {
        offset += writeSync(this.fd, buf, offset, buf.length - offset);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
          this.stalled = buf.subarray(offset);
          return false;
        }
        // The reader is gone or the descriptor is bad: drop this batch, keep serving.
        this.stalled = undefined;
        return true;
      }
    }
    this.stalled = undefined;
    return true;
  }

  private reportDropped(): void {
    const line = `{"level":40,"time":${Date.now()},"pid":${process.pid},"droppedLines":${this.dropped},"msg":"log lines dropped: the log's reader did not keep up"}\n`;
    this.dropped = 0;
    this.lines.push(line);
    this.pendingChars += line.length;
  }

  /**
   * pino's `logger.flush(cb)`: writes what is gathered now and calls `cb` on the next turn. A rest the
   * reader refused stays on its retry timer (flushSync is what waits for it, at exit).
   */
  flush(cb: (err?: Error) => void = () => {}): void {
    if (this.retry === undefined) this.flushTurn();
    setImmediate(cb);
  }

  /**
   * Writes everything now (shutdown, before process.exit). A reader that refuses is retried for up to
   * `flushPatienceMs` (two seconds); after that the rest is given up rather than holding the exit forever.
   */
  flushSync(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    const deadline = Date.now() + this.flushPatienceMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (!this.writeOut()) {
      if (Date.now() > deadline) {
        this.stalled = undefined;
        this.lines = [];
        this.pendingChars = 0;
        return;
      }
      Atomics.wait(nap, 0, 0, RETRY_MS);
    }
  }
}

let stdout: LogWriter | undefined;

/**
 * The one writer for standard output in this process (every app built here shares it, so their lines
 * keep one order). What is still gathered when the process exits — `process.exit` after the shutdown, or
 * the shutdown's own timeout — is written by an exit handler, which Node runs synchronously.
 */
export function stdoutLog(): LogWriter {
  if (!stdout) {
    const writer = new LogWriter(1);
    process.on("exit", () => writer.flushSync());
    stdout = writer;
  }
  return stdout;
}
