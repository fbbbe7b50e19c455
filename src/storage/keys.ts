import type { Readable } from "node:stream";

/** Raised by `get` when no object exists under the key; HTTP layers map it to 404. */
export class BlobNotFoundError extends Error {
  constructor(message = "Blob not found") {
    super(message);
    this.name = "BlobNotFoundError";
  }
}

/** First segment reserved for in-flight uploads, in both stores; a key there could read or clobber them. */
export const TEMP_SEGMENT = ".tmp";

/**
 * Keys are built from project names and file names that arrive from clients, so a key is treated as
 * hostile until proven otherwise: anything that could climb out of the blob root (`..`, absolute paths,
 * backslashes that Windows or a badly written S3 gateway would treat as separators), alias another key
 * (`a//b`, `a/./b`) or reach the temp area is refused before any I/O happens.
 */
export function validateKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new Error(`Invalid blob key ${JSON.stringify(key)}: ${problem}`);
  return key;
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "must not be empty";
  if (key.length > 1024) return "must be at most 1024 characters (the S3 key limit)";
  if (key.includes("\\")) return "must not contain backslashes";
  // NUL truncates paths in some syscalls; other control characters make keys unprintable in logs.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) return "must not contain control characters";
  if (key.startsWith("/")) return "must be relative, not absolute";
  if (/^[A-Za-z]:/.test(key)) return "must not start with a drive letter";
  const segments = key.split("/");
  for (const segment of segments) {
    if (segment === "") return "must not contain empty segments";
    if (segment === "." || segment === "..") return "must not contain '.' or '..' segments";
  }
  if (segments[0] === TEMP_SEGMENT) return `must not start with the reserved '${TEMP_SEGMENT}/' segment`;
  return undefined;
}

/** Validates a caller-supplied HTTP-style byte range before it reaches the filesystem or S3. */
export function validateRange(range: { start: number; end?: number } | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`Invalid range start ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`Invalid range end ${end} for start ${start}`);
  }
}

/**
 * Wraps a body so the caller learns how many bytes passed through, without holding them: used as a
 * pipeline stage between the request body and the temp file.
 */
export function byteCounter(): { count: () => number; stage: (src: Readable) => AsyncGenerator<Buffer> } {
  let size = 0;
  return {
    count: () => size,
    stage: async function* (src: Readable) {
      for await (const chunk of src as AsyncIterable<Buffer | string>) {
        const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        size += buf.length;
        yield buf;
      }
    },
  };
}

/**
 * What a blob is made from: a stream, or a local file the caller hands over (an upload already spooled
 * to disk and inspected). A handed-over file becomes the store's: the filesystem store renames it into
 * its temp area instead of copying it (issue 15: a 500 MB wheel was written twice), S3 uploads from it;
 * either way the path is gone afterwards.
 */
export type BlobContent = Readable | { file: string };

export const isFileContent = (c: BlobContent): c is { file: string } =>
  typeof (c as { file?: unknown }).file === "string";

/** A blob's whole body (for small blobs that are kept in memory or parsed whole). */
export async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
