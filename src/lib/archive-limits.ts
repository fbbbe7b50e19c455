import { Transform, type TransformCallback } from "node:stream";
import { createGunzip, type Gunzip } from "node:zlib";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Bounds for reading an uploaded archive, shared by the PyPI inspector (wheels, sdists) and npm
 * publish (tarballs). The registry reads little of an archive, but it serves the archive to every
 * consumer, whose pip/unzip/tar/npm unpacks all of it: the bounds refuse files that are dangerous or
 * absurd to unpack (zip and gzip bombs, millions of tiny members), and they cap the server's own
 * inflation work per upload (a 1,000:1 npm tarball cost 5.5 s of CPU before these applied to npm).
 */
export const ARCHIVE_LIMITS = Object.freeze({
  /** Members (files, directories, links) in one archive. */
  maxMembers: 10_000,
  /** Declared uncompressed size of any single member. */
  maxMemberSize: GiB,
  /** Sum of declared uncompressed sizes (zip), or of the decompressed tar stream (sdist, npm tarball). */
  maxTotalSize: 2 * GiB,
  /** Uncompressed:compressed ratio refused for members (zip) or archives (tar.gz) above ... */
  maxCompressionRatio: 100,
  /** ... this uncompressed size; small, highly repetitive files compress far better than 100:1. */
  compressionRatioMinSize: MiB,
  /** METADATA / PKG-INFO size, declared and actually streamed. */
  maxMetadataSize: MiB,
});

export type ArchiveLimits = { readonly [K in keyof typeof ARCHIVE_LIMITS]: number };

/**
 * How many bytes a gzip stream of `compressedSize` bytes may inflate to before reading stops:
 * the ratio rule above a floor, never more than the absolute total.
 */
export function inflateCap(
  compressedSize: number,
  limits: ArchiveLimits,
): { cap: number; reason: "ratio" | "total" } {
  const ratioCap = Math.max(limits.compressionRatioMinSize, limits.maxCompressionRatio * compressedSize);
  return ratioCap < limits.maxTotalSize
    ? { cap: ratioCap, reason: "ratio" }
    : { cap: limits.maxTotalSize, reason: "total" };
}

/** Which bound an archive went past: the ratio rule, or the absolute total. */
export type InflateReason = ReturnType<typeof inflateCap>["reason"];

/**
 * Sits after an archive's gunzip and fails the pipeline as soon as it has produced more than the cap
 * for `compressed` bytes (inflateCap): a gzip bomb costs at most the cap in CPU, not its full inflated
 * size, before any tar header is looked at. It overshoots by at most one gunzip chunk. `refusal` words
 * the error for the archive kind (sdist, npm tarball, gem). An npm tarball inspected while it arrives
 * starts with a cap from the request's declared length and is tightened to its exact size at the end.
 */
export class InflationCap extends Transform {
  private bound: ReturnType<typeof inflateCap>;

  constructor(
    compressed: number,
    private readonly limits: ArchiveLimits,
    private readonly refusal: (reason: InflateReason, limits: ArchiveLimits) => Error,
    /** Counts what gunzip produced (tests assert the work done before a refusal). */
    readonly meter: { inflated: number } = { inflated: 0 },
  ) {
    super();
    this.bound = inflateCap(compressed, limits);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.meter.inflated += chunk.length;
    if (this.exceeded) callback(this.tooMuch());
    else callback(null, chunk);
  }

  /** The exact compressed size is known now: the cap a whole-file walk would have had. */
  tighten(compressed: number): void {
    this.bound = inflateCap(compressed, this.limits);
  }

  get cap(): number {
    return this.bound.cap;
  }

  get exceeded(): boolean {
    return this.meter.inflated > this.bound.cap;
  }

  tooMuch(): Error {
    return this.refusal(this.bound.reason, this.limits);
  }
}

/**
 * Output chunk of the gunzip that walks an uploaded tar.gz (npm tarball, sdist, a gem's data.tar.gz).
 * Node's default is 16 KiB: every chunk is one trip to the thread pool and back, then one pass through
 * the byte cap and tar-stream, so walking a 100 MiB npm tarball took ~380 ms of wall time and CPU after
 * its upload had arrived, longer than the upload itself (issue 15, uploads). 256 KiB: ~70 ms. Memory
 * per inspection stays a few chunks (inspections are bounded per user, packages/inspections.ts).
 */
export const INFLATE_CHUNK_BYTES = 256 * 1024;

/** How much of a spooled archive each read takes: a few reads per inflated chunk, not one per 64 KiB. */
export const ARCHIVE_READ_BYTES = MiB;

/** A gunzip for walking an uploaded archive: see INFLATE_CHUNK_BYTES. */
export function archiveGunzip(): Gunzip {
  return createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
}
