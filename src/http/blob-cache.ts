import type { Readable } from "node:stream";
import { readAll } from "../storage/index.js";

/**
 * Small immutable blobs (npm tarballs) kept in memory. A blob key names its sha256, so an entry can
 * never go stale; unpublished versions disappear from the package index first, so they are never
 * looked up.
 * Streaming a 100 KiB file from disk costs an open, a stat, a read buffer and a close per download,
 * and that capped Wharf at about a tenth of what the same bytes from memory reach (bench/npm.mjs).
 * Large blobs are always streamed.
 */
export class BlobCache {
  private entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    readonly maxEntryBytes = 1024 * 1024,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Least recently used goes first: re-inserting moves the key to the end of the Map's order.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Reads a small blob whole and keeps it; the caller checked the size against maxEntryBytes. */
  async fill(key: string, stream: Readable): Promise<Buffer> {
    const body = await readAll(stream);
    if (!this.entries.has(key)) {
      this.entries.set(key, body);
      this.bytes += body.length;
      for (const [k, v] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(k);
        this.bytes -= v.length;
      }
    }
    return body;
  }
}
