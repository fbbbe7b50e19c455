import { randomBytes } from "node:crypto";
import sjson from "secure-json-parse";
import { AttachmentSpool, type SpooledAttachment } from "./attachment-spool.js";
import { Base64Sink } from "./base64-sink.js";
import { npmErrors } from "./errors.js";
import type { ArrivingTarball } from "./tarball-arrival.js";

/**
 * Reads an npm publish body (`PUT /npm/<name>`, JSON) from the socket without holding the tarball:
 * every `_attachments.<key>.data` string is base64-decoded into a spool file as it arrives, and the JSON
 * that is kept in memory gets a placeholder in its place. What remains (manifest, readme) is parsed with
 * Fastify's own prototype-poisoning rules. Issue 15 item 7: the whole-body parser held the body, its
 * string, the parsed object and the decoded tarball at once (~7x the tarball).
 *
 * Only the JSON structure is tracked (objects, arrays, keys); the attachment's bytes never pass through
 * the per-character loop: the end of the string is found with indexOf.
 */
export interface StreamedPublish {
  body: unknown;
  /** Placeholder string (as found in the parsed body) → the spooled attachment. */
  attachments: Map<string, SpooledAttachment>;
  cleanup(): Promise<void>;
}

export interface StreamLimits {
  /** The whole body, raw (base64 and JSON), as the route's bodyLimit was. */
  bodyBytes: number;
  tooLarge: () => Error;
  /**
   * Where this request may have its tarball inspected while it arrives (publish.ts decided so before
   * the body was read): called for the first `.tgz` attachment; null when it may not (then the
   * publish inspects the spooled file after the body).
   */
  arrivingTarball?: () => ArrivingTarball | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY = 64 * 1024;
const MAX_ATTACHMENTS = 8;

interface Frame {
  object: boolean;
  key: string | null;
  expectKey: boolean;
}

export async function readPublishStream(
  source: AsyncIterable<Buffer>,
  spoolDir: string,
  limits: StreamLimits,
): Promise<StreamedPublish> {
  const nonce = randomBytes(9).toString("base64url");
  const kept: Buffer[] = [];
  const spools: { placeholder: string; spool: AttachmentSpool }[] = [];
  const stack: Frame[] = [];
  let total = 0;
  // Inside a kept string (copied through) or an attachment's string (decoded to its spool).
  let inString = false;
  let escaped = false;
  let keyBytes: number[] | null = null;
  let sink: Base64Sink | null = null;
  let sinkEscaped = false;
  let tarballSeen = false;

  const cleanup = async () => {
    await Promise.all(spools.map((s) => s.spool.discard()));
  };

  const attachmentValue = () =>
    stack.length === 3 &&
    stack.every((f) => f.object) &&
    stack[0]!.key === "_attachments" &&
    stack[2]!.key === "data";

  try {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > limits.bodyBytes) throw limits.tooLarge();
      let from = 0; // start of the bytes of this chunk still to be kept
      let i = 0;
      while (i < chunk.length) {
        if (sink) {
          // Attachment data: jump to the closing quote; a backslash means it is not base64 (npm never
          // escapes base64) but the string must still be skipped correctly.
          if (sinkEscaped) {
            sinkEscaped = false;
            i++;
            continue;
          }
          const q = chunk.indexOf(QUOTE, i);
          const b = chunk.indexOf(BACKSLASH, i);
          if (b >= 0 && (q < 0 || b < q)) {
            sink.spool.invalidate();
            sinkEscaped = true;
            i = b + 1;
            continue;
          }
          const end = q < 0 ? chunk.length : q;
          if (end > i) await sink.push(chunk, i, end);
          if (q < 0) {
            i = chunk.length;
            from = i;
            continue;
          }
          await sink.end();
          sink = null;
          i = q + 1;
          from = i;
          continue;
        }
        const c = chunk[i]!;
        if (inString) {
          if (keyBytes) {
            keyBytes.push(c);
            if (keyBytes.length > MAX_KEY)
              throw npmErrors.BODY_INVALID("The publish request has a key longer than 64 KiB.");
          }
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            inString = false;
            if (keyBytes) {
              const top = stack[stack.length - 1]!;
              top.key = parseKey(keyBytes);
              top.expectKey = false;
              keyBytes = null;
            }
          }
          i++;
          continue;
        }
        if (c === QUOTE) {
          const top = stack[stack.length - 1];
          if (top?.object && top.expectKey) {
            keyBytes = [QUOTE];
            inString = true;
          } else if (attachmentValue()) {
            if (spools.length >= MAX_ATTACHMENTS)
              throw npmErrors.BODY_INVALID("The publish request has too many attachments.");
            if (i > from) kept.push(chunk.subarray(from, i));
            const placeholder = `\u0000wharf-attachment:${nonce}:${spools.length}`;
            kept.push(Buffer.from(JSON.stringify(placeholder)));
            const tarball = !tarballSeen && (stack[1]!.key ?? "").endsWith(".tgz");
            if (tarball) tarballSeen = true;
            const spool = await AttachmentSpool.open(
              spoolDir,
              tarball ? (limits.arrivingTarball?.() ?? null) : null,
            );
            spools.push({ placeholder, spool });
            sink = new Base64Sink(spool);
            i++;
            from = i;
            continue;
          } else inString = true;
        } else if (c === 0x7b) stack.push({ object: true, key: null, expectKey: true });
        else if (c === 0x5b) stack.push({ object: false, key: null, expectKey: false });
        else if (c === 0x7d || c === 0x5d) stack.pop();
        else if (c === 0x2c) {
          const top = stack[stack.length - 1];
          if (top?.object) top.expectKey = true;
        }
        i++;
      }
      // While an attachment's string runs on into the next chunk, nothing after `from` is JSON to keep.
      if (!sink && from < chunk.length) kept.push(from === 0 ? chunk : chunk.subarray(from));
    }
    if (sink || inString)
      throw npmErrors.BODY_INVALID("The publish request ended in the middle of a string.");
    let body: unknown;
    try {
      body = sjson.parse(Buffer.concat(kept).toString("utf8"), undefined, {
        protoAction: "error",
        constructorAction: "error",
      });
    } catch {
      throw npmErrors.BODY_INVALID("The publish request is not valid JSON.");
    }
    const attachments = new Map<string, SpooledAttachment>();
    for (const s of spools) attachments.set(s.placeholder, await s.spool.finish());
    return {
      body,
      attachments,
      cleanup: async () => {
        await Promise.all([...attachments.values()].map((a) => a.remove()));
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function parseKey(bytes: number[]): string {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as string;
  } catch {
    return "";
  }
}
