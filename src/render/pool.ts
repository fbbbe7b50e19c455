import { Worker } from "node:worker_threads";
import type { RenderReply, RenderRequest } from "./worker.js";

/**
 * One worker thread that renders Markdown, one job at a time, each under a time limit. A job that runs
 * past it gets its worker terminated (the only way to stop a busy isolate), and the next job starts a
 * fresh one. The server's event loop only posts the text and receives the HTML, so a description that
 * takes markdown-it seconds (or tries to) never delays another request.
 */
export type PoolOutcome =
  | { ok: true; html: string }
  /** timeout: ran past the limit; crashed: the isolate died (e.g. its heap limit); too-large: HTML cap. */
  | { ok: false; reason: "timeout" | "crashed" | "too-large" }
  /** Not the input's fault: too many jobs waiting, or the worker could not start. Try again later. */
  | { ok: false; reason: "busy" | "unavailable" };

export interface PoolOptions {
  /** Wall time one render may take once it started, in ms. */
  timeoutMs: number;
  /** Jobs allowed to wait behind the running one; beyond that, "busy" (bounded memory and latency). */
  maxQueue: number;
  /** Longest a job waits for the worker before giving up as "busy": an upload is never held longer. */
  maxWaitMs: number;
  /** Longest HTML accepted back; markdown-it's table rule can turn 1.5 KB into 660 KB of cells. */
  maxHtmlChars: number;
  /** A worker that is not ready after this long (broken install) fails its jobs as "unavailable". */
  startTimeoutMs: number;
}

interface Job {
  text: string;
  done: (o: PoolOutcome) => void;
  wait?: NodeJS.Timeout;
}

/**
 * From dist/ the compiled worker.js sits beside this file. Under vitest this file is the .ts source and
 * Node 20 cannot run TypeScript in a worker: worker-dev.mjs installs a type-stripping loader first.
 */
function defaultWorkerUrl(): URL {
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "./worker-dev.mjs" : "./worker.js", import.meta.url);
}

export class RenderPool {
  private worker: Worker | null = null;
  private ready = false;
  private readonly queue: Job[] = [];
  private running: { job: Job; id: number; timer: NodeJS.Timeout } | null = null;
  private startTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Renders started in a worker: tests assert page views cause none (bounded work). */
  started = 0;
  /** Thread ids of every worker this pool ran: tests assert rendering left the main thread. */
  readonly threadIds: number[] = [];

  constructor(
    private readonly options: PoolOptions,
    private readonly workerUrl: URL = defaultWorkerUrl(),
  ) {}

  render(text: string): Promise<PoolOutcome> {
    if (this.queue.length >= this.options.maxQueue) return Promise.resolve({ ok: false, reason: "busy" });
    return new Promise((done) => {
      const job: Job = {
        text,
        done: (o) => {
          if (job.wait) clearTimeout(job.wait);
          done(o);
        },
      };
      this.queue.push(job);
      this.pump();
      if (this.ready) this.armWaits();
    });
  }

  /**
   * The wait limit runs only while a worker is up: starting one (fast from dist/, seconds under vitest's
   * TypeScript loader) is bounded by startTimeoutMs instead.
   */
  private armWaits(): void {
    for (const job of this.queue) {
      job.wait ??= setTimeout(() => {
        const i = this.queue.indexOf(job);
        if (i >= 0) this.queue.splice(i, 1)[0]!.done({ ok: false, reason: "busy" });
      }, this.options.maxWaitMs);
    }
  }

  /** Stops the worker; queued and running jobs end as "unavailable". */
  async close(): Promise<void> {
    const w = this.worker;
    this.fail("unavailable");
    await w?.terminate();
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    if (!this.worker) this.spawn();
    if (!this.ready) return;
    const job = this.queue.shift()!;
    if (job.wait) clearTimeout(job.wait);
    this.armWaits();
    const id = this.nextId++;
    // The limit starts when the job starts, not when it was queued: waiting is bounded by maxWaitMs.
    const timer = setTimeout(() => this.kill("timeout"), this.options.timeoutMs);
    this.running = { job, id, timer };
    this.started++;
    const request: RenderRequest = { id, text: job.text, maxHtmlChars: this.options.maxHtmlChars };
    this.worker!.postMessage(request);
  }

  private spawn(): void {
    const w = new Worker(this.workerUrl, {
      // A render that allocates without end dies on its own heap limit, not the server's.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.worker = w;
    this.ready = false;
    this.threadIds.push(w.threadId);
    this.startTimer = setTimeout(() => this.fail("unavailable"), this.options.startTimeoutMs);
    w.on("message", (m: "ready" | RenderReply) => {
      if (w !== this.worker) return;
      if (m === "ready") {
        // An idle worker must not keep the process (or a CLI command) alive; a running job's timer
        // does. Only from here: on Node 20 an unref() before the worker is online does not hold.
        w.unref();
        this.ready = true;
        if (this.startTimer) clearTimeout(this.startTimer);
        this.pump();
        this.armWaits();
        return;
      }
      if (!this.running || m.id !== this.running.id) return;
      if ("html" in m) this.finish({ ok: true, html: m.html });
      else this.finish({ ok: false, reason: "tooLarge" in m ? "too-large" : "crashed" });
    });
    const died = () => {
      if (w !== this.worker) return;
      // Dying before "ready" is an install problem, after it the input's doing (heap limit).
      if (!this.ready) this.fail("unavailable");
      else this.kill("crashed");
    };
    w.on("error", died);
    w.on("exit", died);
  }

  private finish(outcome: PoolOutcome): void {
    const r = this.running!;
    clearTimeout(r.timer);
    this.running = null;
    r.job.done(outcome);
    this.pump();
  }

  /** Ends the running job with `reason` and throws its worker away; the next job gets a new one. */
  private kill(reason: "timeout" | "crashed"): void {
    const w = this.worker;
    this.worker = null;
    this.ready = false;
    void w?.terminate();
    if (this.running) this.finish({ ok: false, reason });
    else this.pump();
  }

  /** The worker cannot start: every job fails now instead of waiting forever. */
  private fail(reason: "unavailable"): void {
    const w = this.worker;
    this.worker = null;
    this.ready = false;
    if (this.startTimer) clearTimeout(this.startTimer);
    void w?.terminate();
    const jobs = [...(this.running ? [this.running.job] : []), ...this.queue.splice(0)];
    if (this.running) clearTimeout(this.running.timer);
    this.running = null;
    for (const j of jobs) j.done({ ok: false, reason });
  }
}
