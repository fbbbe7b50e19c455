import type { Readable } from "node:stream";
import { type BlobStore, readAll } from "../storage/index.js";

/**
 * Small immutable blobs (npm tarballs, PyPI files and their `.metadata`, .gem files) kept in memory. A
 * blob key names its sha256, so an entry can never go stale. What may be served is decided before a
 * blob is asked for, by lookups that a project change drops (an unpublished npm version leaves the
 * package index, a deleted or quarantined PyPI file and a yanked gem leave their lookup caches), so a
 * kept blob nobody may download any more is simply never asked for again and ages out.
 *
 * Streaming a 100 KiB file from disk costs an open, a stat, a read buffer and a close per download,
 * and that capped Wharf at about a tenth of what the same bytes from memory reach (bench/npm.mjs); a
 * PyPI download paid the same and more (issue 15 item 6: 3–6% of the ceiling). Larger blobs are
 * always streamed.
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
    if (!this.entries.has(key) && body.length <= this.maxEntryBytes) {
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

  /**
   * The whole blob from memory, or read and kept when `size` fits; null when it is too large to keep
   * (the caller streams it). Throws what the store throws (BlobNotFoundError).
   */
  async read(blobs: BlobStore, key: string, size: number): Promise<Buffer | null> {
    const hot = this.get(key);
    if (hot) return hot;
    if (size > this.maxEntryBytes) return null;
    return this.fill(key, await blobs.get(key));
  }
}

/**
 * The one byte budget for downloads of every ecosystem, shared so that a registry serving mostly one
 * ecosystem gives it all the memory. 4 MiB per file: most wheels, tarballs and gems fit (a 1 MiB wheel
 * streamed from disk was at 24–48% of the ceiling, bench/pypi.mjs); larger files are streamed.
 */
export const downloads = new BlobCache(4 * 1024 * 1024, 128 * 1024 * 1024);
