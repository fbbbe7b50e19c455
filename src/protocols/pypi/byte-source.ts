import type { Readable } from "node:stream";

/**
 * A request body's chunks for a reader that pulls them (the multipart reader), taken from 'data'
 * events: at most two chunks wait here before the socket is paused, and a chunk already here is taken
 * without a promise. An async iterator of the stream would destroy the request when the reader stops
 * early, and its answer could then not be sent.
 */
export class ByteSource {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.queue.push(chunk);
    if (this.queue.length >= 2) this.body.pause();
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };
  private readonly onError = (e: Error) => {
    this.failure ??= e;
    this.wake();
  };
  private readonly onClose = () => {
    if (!this.ended) this.failure ??= new Error("The request was aborted");
    this.wake();
  };

  constructor(private readonly body: Readable) {
    body.on("data", this.onData);
    body.once("end", this.onEnd);
    body.once("error", this.onError);
    body.once("close", this.onClose);
  }

  /** A chunk that has arrived, if any. */
  take(): Buffer | undefined {
    const chunk = this.queue.shift();
    if (chunk && this.queue.length === 0 && this.body.isPaused()) this.body.resume();
    return chunk;
  }

  /** The next chunk, or null at the body's end; rejects if the body failed. */
  async wait(): Promise<Buffer | null> {
    for (;;) {
      const chunk = this.take();
      if (chunk) return chunk;
      if (this.failure) throw this.failure;
      if (this.ended) return null;
      await new Promise<void>((r) => {
        this.waiter = r;
      });
    }
  }

  /** Stops listening: what is left of the body is the caller's (read and discarded, for instance). */
  detach(): void {
    this.body.off("data", this.onData);
    this.body.off("end", this.onEnd);
    this.body.off("error", this.onError);
    this.body.off("close", this.onClose);
    this.queue.length = 0;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
