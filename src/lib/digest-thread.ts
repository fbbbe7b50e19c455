import { Worker } from "node:worker_threads";
import type { DigestReply } from "./digest-worker.js";

const START_TIMEOUT_MS = 30_000;
const READY_WAIT_MS = 100;
const RETRY_AFTER_MS = 60_000;

function workerUrl(): URL {
  // Under vitest this file is the .ts source, which Node 20 cannot run in a worker (see render/pool.ts).
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "./digest-worker-dev.mjs" : "./digest-worker.js", import.meta.url);
}

type Handler = (reply: DigestReply | { op: "error"; error: string }) => void;

/** One digest worker of the pool (digest-pool.ts), started on demand and again after it died. */
export class DigestThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readonly handlers = new Map<number, Handler>();
  private failedAt = Number.NEGATIVE_INFINITY;

  /**
   * The running worker, or null while it is not there: an upload never waits more than READY_WAIT_MS for
   * it (on a loaded machine a worker takes seconds to start, and every upload paid up to the start
   * timeout), and after a failed start uploads hash inline for RETRY_AFTER_MS before it is tried again.
   */
  async get(): Promise<Worker | null> {
    if (this.worker) return this.worker;
    if (!this.starting && Date.now() - this.failedAt < RETRY_AFTER_MS) return null;
    this.starting ??= this.spawn().then((w) => {
      this.starting = null;
      if (!w) this.failedAt = Date.now();
      return w;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), READY_WAIT_MS);
    });
    const w = await Promise.race([this.starting, late]);
    clearTimeout(timer);
    return w;
  }

  /** Starts the worker ahead of the first upload; resolves once it runs (or could not start). */
  async warm(): Promise<boolean> {
    if (this.worker) return true;
    void this.get();
    return (await this.starting) !== null || this.worker !== null;
  }

  /** Tests: the worker dies as it would on a crash (every open stream on it fails). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private spawn(): Promise<Worker | null> {
    return new Promise((resolve) => {
      const w = new Worker(workerUrl());
      const timer = setTimeout(() => {
        void w.terminate();
        resolve(null);
      }, START_TIMEOUT_MS);
      w.on("message", (m: "ready" | DigestReply) => {
        if (m === "ready") {
          clearTimeout(timer);
          // An idle worker must not keep the process alive (see render/pool.ts: only after "ready").
          w.unref();
          this.worker = w;
          resolve(w);
          return;
        }
        this.handlers.get(m.id)?.(m);
      });
      const gone = (why: string) => {
        clearTimeout(timer);
        if (this.worker === w) this.worker = null;
        resolve(null);
        const handlers = [...this.handlers.values()];
        this.handlers.clear();
        for (const h of handlers) h({ op: "error", error: why });
      };
      w.on("error", (e) => gone(String(e)));
      w.on("exit", (code) => gone(`digest worker exited with ${code}`));
    });
  }

  /** While a stream is open the worker holds the process (an upload's answer is awaited from it). */
  open(id: number, handler: Handler): void {
    this.handlers.set(id, handler);
    this.worker?.ref();
  }

  close(id: number): void {
    if (!this.handlers.delete(id)) return;
    if (this.handlers.size === 0) this.worker?.unref();
  }
}
