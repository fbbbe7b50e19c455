import type { FastifyRequest } from "fastify";

const MiB = 1024 * 1024;

/** How much of an unread body is read and thrown away so the client can see the refusal (see below). */
export const DRAIN_LIMIT_BYTES = 16 * MiB;

/**
 * Reads and discards a body nothing has read yet, before answering: Fastify refuses an unknown content
 * type (any surface) before reading a byte, and closing the connection with megabytes still unread makes the kernel
 * reset it, so twine got a broken pipe instead of the reason phrase (found by the fuzz campaign). A body
 * larger than `limit` is left unread: the answer goes out and the connection closes as before.
 */
export function drainUnreadBody(req: FastifyRequest, limit = DRAIN_LIMIT_BYTES): Promise<void> {
  const raw = req.raw;
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (raw.readableEnded || raw.destroyed || declared > limit) return Promise.resolve();
  return new Promise((done) => {
    let seen = 0;
    const finish = () => {
      raw.off("data", count);
      done();
    };
    const count = (b: Buffer) => {
      seen += b.length;
      if (seen > limit) finish();
    };
    raw.on("data", count);
    raw.once("end", finish);
    raw.once("error", finish);
    raw.once("close", finish);
    raw.resume();
  });
}

/**
 * Whether a refusal is being sent before the request's body was read to its end: nothing read it (a
 * body parser refused on the headers), or a reader stopped in the middle (the upload form's own
 * refusal stops the multipart reader and lets the rest flow, protocols/pypi/form.ts discardRestOfBody). Either
 * way the answer must wait for the rest: with `Connection: close` Node closes the socket right after
 * the answer, and unread bytes make the kernel reset it (the fuzz campaign's EPIPE on a 2.5 MB body
 * sent as multipart/form-data without a boundary).
 */
export function bodyNotFullyRead(req: FastifyRequest): boolean {
  const hasBody =
    Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  return hasBody && !req.raw.readableEnded && !req.raw.destroyed;
}
