import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { Config } from "../config.js";
import type { BlobStore, ListedBlob, StagedBlob } from "./index.js";
import {
  type BlobContent,
  BlobNotFoundError,
  byteCounter,
  isFileContent,
  TEMP_SEGMENT,
  validateKey,
  validateRange,
} from "./keys.js";

type S3Config = NonNullable<Config["s3"]>;

export interface S3StoreOptions {
  /** Where bodies are spooled before upload; os.tmpdir() by default. Tests point it at their own dir. */
  spoolDir?: string;
}

function httpStatus(e: unknown): number | undefined {
  return e instanceof S3ServiceException ? e.$metadata.httpStatusCode : undefined;
}

/**
 * Blobs in an S3-compatible bucket. @aws-sdk/lib-storage (multipart upload of unknown-length streams) is
 * not a dependency, and PutObject needs a known Content-Length, so bodies are first spooled to a local
 * temp file: memory stays flat whatever the upload size, and the PUT streams from that file.
 */
export function createS3BlobStore(config: S3Config, options: S3StoreOptions = {}): BlobStore {
  const client = new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials:
      config.accessKeyId && config.secretAccessKey
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
    // SDK ≥ 3.729 sends CRC32 checksums on every upload by default; MinIO before 2025, s3rver and other
    // S3-compatible stores reject or mis-handle them. Only send/verify them where the API requires it.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = config.bucket;
  const spoolDir = options.spoolDir ?? tmpdir();
  const objectKey = (key: string): string => config.prefix + validateKey(key);

  async function deleteObject(Key: string): Promise<void> {
    // S3 DeleteObject succeeds for missing keys, which makes every caller idempotent for free.
    await client.send(new DeleteObjectCommand({ Bucket, Key }));
  }

  return {
    kind: "s3",

    async stage(body: BlobContent): Promise<StagedBlob> {
      await mkdir(spoolDir, { recursive: true });
      // A handed-over file is uploaded from where it is; a stream is spooled first (PutObject needs the length).
      const spoolPath = isFileContent(body) ? body.file : join(spoolDir, `wharf-blob-${randomUUID()}`);
      const tempKey = `${config.prefix}${TEMP_SEGMENT}/${randomUUID()}`;
      let size: number;
      let uploading = false;
      try {
        if (isFileContent(body)) size = (await stat(spoolPath)).size;
        else {
          const counter = byteCounter();
          await pipeline(body, counter.stage, createWriteStream(spoolPath, { flags: "wx", mode: 0o600 }));
          size = counter.count();
        }
        uploading = true;
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key: tempKey,
            Body: createReadStream(spoolPath),
            ContentLength: size,
          }),
        );
      } catch (e) {
        // A PUT that failed mid-way may still have landed on some servers; removing it is harmless otherwise.
        if (uploading) await deleteObject(tempKey).catch(() => {});
        throw e;
      } finally {
        await rm(spoolPath, { force: true });
      }
      let committed = false;
      return {
        size,
        async commit(key: string): Promise<void> {
          const Key = objectKey(key);
          if (committed) throw new Error("Staged blob already committed");
          // S3 has no rename. A server-side copy is atomic per object (readers see the old object or the
          // whole new one, never a partial one), and copies without sending the bytes again.
          const CopySource = `${Bucket}/${tempKey.split("/").map(encodeURIComponent).join("/")}`;
          await client.send(new CopyObjectCommand({ Bucket, Key, CopySource }));
          committed = true;
          await deleteObject(tempKey);
        },
        async discard(): Promise<void> {
          await deleteObject(tempKey);
        },
      };
    },

    async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
      const Key = objectKey(key);
      validateRange(range);
      const Range = range ? `bytes=${range.start}-${range.end ?? ""}` : undefined;
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key, Range }));
        // In Node the SDK's body is an http.IncomingMessage; anything else means a browser/edge runtime.
        if (!(out.Body instanceof Readable)) throw new Error("S3 response body is not a Node.js stream");
        return out.Body;
      } catch (e) {
        if (httpStatus(e) === 404) throw new BlobNotFoundError(`Blob not found: ${key}`);
        if (httpStatus(e) === 416)
          throw new RangeError(`Range start ${range?.start} is beyond the blob's end`);
        throw e;
      }
    },

    async stat(key: string): Promise<{ size: number; modifiedAt: number } | null> {
      const Key = objectKey(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key }));
        return { size: out.ContentLength ?? 0, modifiedAt: out.LastModified?.getTime() ?? 0 };
      } catch (e) {
        if (httpStatus(e) === 404) return null;
        throw e;
      }
    },

    async delete(key: string): Promise<void> {
      await deleteObject(objectKey(key));
    },

    async ping(): Promise<void> {
      await client.send(new HeadBucketCommand({ Bucket }));
    },

    async *list(pageSize = 1000): AsyncGenerator<ListedBlob[]> {
      const tempPrefix = `${config.prefix}${TEMP_SEGMENT}/`;
      let token: string | undefined;
      do {
        // ListObjectsV2 returns at most 1000 keys a call, in ascending UTF-8 binary order, and a token for
        // the next page: a bucket of any size is read one bounded page at a time.
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: config.prefix,
            ContinuationToken: token,
            MaxKeys: Math.min(1000, pageSize),
          }),
        );
        const blobs: ListedBlob[] = [];
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.startsWith(tempPrefix)) continue;
          blobs.push({
            key: o.Key.slice(config.prefix.length),
            size: o.Size ?? 0,
            modifiedAt: o.LastModified?.getTime() ?? 0,
          });
        }
        if (blobs.length) yield blobs;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async sweepTemp(olderThanMs: number): Promise<number> {
      const cutoff = Date.now() - olderThanMs;
      let removed = 0;
      // Local spool files first: they belong to this instance's data dir only.
      for (const name of await readdir(spoolDir).catch(() => [] as string[])) {
        if (name.startsWith("wharf-blob-")) await rm(join(spoolDir, name), { force: true });
      }
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket,
            Prefix: `${config.prefix}${TEMP_SEGMENT}/`,
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key && (olderThanMs <= 0 || (o.LastModified?.getTime() ?? 0) <= cutoff)) {
            await deleteObject(o.Key);
            removed++;
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return removed;
    },
  };
}
