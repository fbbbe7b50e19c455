/**
 * Bookkeeping for bytes written by one thread and read by several (the digest pool's shared ring, and
 * its bound on bytes in flight): a byte stays `used` until EVERY reader has acknowledged it, so the writer
 * never overwrites a part of the ring that a slower worker has still to hash.
 */
export class RingLedger {
  private written = 0;
  private readonly acked: number[];

  constructor(
    readonly size: number,
    readers: number,
  ) {
    this.acked = new Array<number>(readers).fill(0);
  }

  /** Bytes written and not yet acknowledged by every reader. */
  get used(): number {
    let slowest = Number.POSITIVE_INFINITY;
    for (const a of this.acked) if (a < slowest) slowest = a;
    return this.written - (this.acked.length ? slowest : this.written);
  }

  get free(): number {
    return this.size - this.used;
  }

  wrote(bytes: number): void {
    this.written += bytes;
  }

  ack(reader: number, bytes: number): void {
    this.acked[reader]! += bytes;
  }
}
