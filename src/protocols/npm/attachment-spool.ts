import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { link, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { randomToken } from "../../lib/crypto.js";
import { type UploadDigests, uploadDigests } from "../../lib/digest-pool.js";
import type { BlobContent } from "../../storage/index.js";
import type { Digests } from "./tarball.js";

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
  /** A hard link to the file for the blob store to rename into place (or a stream where links fail). */
  handOver(): Promise<BlobContent>;
  remove(): Promise<void>;
}

export class AttachmentSpool {
  private out: WriteStream | null = null;
  private hashes: UploadDigests | null = null;
  private sha512: Hash = createHash("sha512");
  private sha1: Hash = createHash("sha1");
  private size = 0;
  private head = Buffer.alloc(0);
  private links = 0;
  valid = true;

  private constructor(readonly path: string) {}

  static async open(dir: string): Promise<AttachmentSpool> {
    await mkdir(dir, { recursive: true });
    const spool = new AttachmentSpool(join(dir, `${randomToken(12)}.tgz.part`));
    spool.out = createWriteStream(spool.path, { mode: 0o600 });
    spool.hashes = await uploadDigests();
    return spool;
  }

  get written(): number {
    return this.size;
  }

  /** Appends decoded bytes; resolves when the file and the digest worker can take more. */
  async write(bytes: Buffer): Promise<void> {
    if (!this.valid || bytes.length === 0) return;
    this.size += bytes.length;
    if (this.head.length < HEAD)
      this.head = Buffer.concat([this.head, bytes.subarray(0, HEAD - this.head.length)]);
    this.sha512.update(bytes);
    this.sha1.update(bytes);
    const wait = this.hashes!.update(bytes);
    const drained = this.out!.write(bytes) ? null : new Promise<void>((r) => this.out!.once("drain", r));
    if (wait) await wait;
    if (drained) await drained;
  }

  /** Not base64 after all: stop writing, keep scanning the body (the caller decides what to answer). */
  invalidate(): void {
    this.valid = false;
  }

  async finish(): Promise<SpooledAttachment> {
    const out = this.out!;
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const d = this.valid ? await this.hashes!.digest() : { sha256: "", md5: "", blake2b256: "" };
    if (!this.valid) this.hashes!.drop();
    const path = this.path;
    return {
      valid: this.valid,
      size: this.size,
      head: this.head,
      path,
      digests: { ...d, sha512: this.sha512.digest(), sha1: this.sha1.digest("hex") },
      handOver: async () => {
        const linked = `${path}.${++this.links}`;
        try {
          await link(path, linked);
          return { file: linked };
        } catch {
          return createReadStream(path);
        }
      },
      remove: () => rm(path, { force: true }),
    };
  }

  /** The body failed: close and delete the file. */
  async discard(): Promise<void> {
    this.hashes?.drop();
    const out = this.out;
    if (out && !out.closed) await new Promise<void>((r) => out.destroy() && out.once("close", () => r()));
    await rm(this.path, { force: true });
  }
}
