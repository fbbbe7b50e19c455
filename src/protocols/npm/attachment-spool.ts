import { createReadStream } from "node:fs";
import { link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomToken } from "../../lib/crypto.js";
import { type UploadDigests, uploadDigests } from "../../lib/digest-pool.js";
import type { BlobContent } from "../../storage/index.js";
import type { Digests } from "./tarball.js";
import type { ArrivingTarball } from "./tarball-arrival.js";

/** The first bytes of the tarball, kept for the gzip magic check without reading the file back. */
const HEAD = 18;

/**
 * One `_attachments.<key>.data` value of a publish body, base64-decoded to a file as it arrives: the
 * tarball is never held in memory (issue 15 item 7: a 100 MB publish once took RSS up by ~700 MiB).
 * `valid` is false when the value was not base64 (a sigstore bundle is JSON, for instance); the caller
 * then refuses it with the message that fits the attachment.
 */
export interface SpooledAttachment {
  readonly valid: boolean;
  readonly size: number;
  readonly head: Buffer;
  readonly digests: Digests;
  readonly path: string;
  /** The tarball's inspection, begun while it arrived (tarball-arrival.ts), or null: inspect the file. */
  readonly arriving: ArrivingTarball | null;
  /** A hard link to the file for the blob store to rename into place (or a stream where links fail). */
  handOver(): Promise<BlobContent>;
  remove(): Promise<void>;
}

/**
 * What npm and this registry use: sha512 and sha1 are the packument's `integrity` and `shasum`, sha256 is
 * the blob key and the files row's. md5 and BLAKE2b-256 are PyPI's upload-API digests (twine sends them,
 * PyPI's JSON API shows them); no npm client reads them, and for an npm tarball they were half of the
 * hashing (2.4 of 4.7 ms of CPU per MiB), on a path where the whole publish is CPU-bound (issue 15,
 * uploads); npm's package page shows the SHA-256. The files row keeps them empty for npm tarballs. Spread
 * over the event loop and the digest workers by digest-pool.ts.
 */
const NPM_DIGESTS = ["sha512", "sha1", "sha256"] as const;
/**
 * What the event loop already spends per MiB of tarball: the JSON scan, base64 decoding and the socket,
 * ~5 ms (0.7-0.8 s of its CPU per 100 MiB npm publish with only sha512 to hash, bench/upload.mjs). So
 * every digest goes to the workers.
 */
const MAIN_LOAD = 5;

export class AttachmentSpool {
  private hashes: UploadDigests<(typeof NPM_DIGESTS)[number]> | null = null;
  private size = 0;
  private head = Buffer.alloc(0);
  private links = 0;
  valid = true;

  private constructor(
    readonly path: string,
    private arriving: ArrivingTarball | null,
  ) {}

  /** `arriving` also gets every decoded byte (the tarball inspected as it arrives), or is null. */
  static async open(dir: string, arriving: ArrivingTarball | null = null): Promise<AttachmentSpool> {
    const spool = new AttachmentSpool(join(dir, `${randomToken(12)}.tgz.part`), arriving);
    try {
      await mkdir(dir, { recursive: true });
      // A digest worker writes the file from the ring it hashes (digest-pool.ts): no write per batch here.
      spool.hashes = await uploadDigests(NPM_DIGESTS, { mainLoad: MAIN_LOAD, file: spool.path });
    } catch (e) {
      spool.stopArriving();
      throw e;
    }
    return spool;
  }

  get written(): number {
    return this.size;
  }

  /**
   * Appends decoded bytes; resolves when the file and the digest workers can take more. `bytes` may be
   * reused once it resolved.
   */
  async write(bytes: Buffer): Promise<void> {
    if (!this.valid || bytes.length === 0) return;
    this.size += bytes.length;
    if (this.head.length < HEAD)
      this.head = Buffer.concat([this.head, bytes.subarray(0, HEAD - this.head.length)]);
    if (this.arriving) await Promise.all([this.hashes!.update(bytes), this.arriving.push(bytes)]);
    else await this.hashes!.update(bytes);
  }

  /** Not base64 after all: stop writing, keep scanning the body (the caller decides what to answer). */
  invalidate(): void {
    this.valid = false;
    this.stopArriving();
  }

  private stopArriving(): void {
    this.arriving?.abort();
    this.arriving = null;
  }

  async finish(): Promise<SpooledAttachment> {
    // Not base64: the file is deleted, the caller refuses the attachment (its remove() finds nothing).
    const d = this.valid ? await this.hashes!.digest() : null;
    if (!this.valid) await this.hashes!.drop();
    const path = this.path;
    const arriving = this.arriving;
    return {
      valid: this.valid,
      size: this.size,
      head: this.head,
      path,
      arriving,
      digests: {
        sha256: d?.sha256 ?? "",
        sha512: Buffer.from(d?.sha512 ?? "", "hex"),
        sha1: d?.sha1 ?? "",
      },
      handOver: async () => {
        const linked = `${path}.${++this.links}`;
        try {
          await link(path, linked);
          return { file: linked };
        } catch {
          return createReadStream(path);
        }
      },
      remove: () => {
        arriving?.abort();
        return rm(path, { force: true });
      },
    };
  }

  /** The body failed: close and delete the file. */
  async discard(): Promise<void> {
    this.stopArriving();
    await this.hashes?.drop();
    await rm(this.path, { force: true });
  }
}
