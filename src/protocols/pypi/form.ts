import type { FastifyRequest } from "fastify";
import {
  MAX_PROJECT_NAME_LENGTH,
  MAX_REQUIRES_PYTHON_LENGTH,
  MAX_VERSION_LENGTH,
} from "../../ecosystems/pypi/index.js";
import { type AppError, isAppError } from "../../lib/errors.js";
import type { ByteSource } from "./byte-source.js";
import { pypiErrors } from "./errors.js";
import { boundaryOf, type Limits, MultipartLimit, MultipartReader, type Part } from "./multipart.js";

/**
 * The text fields of a `/legacy/` upload. They only carry metadata (the archive's own METADATA, at
 * most 1 MiB, is what gets stored), so they are bounded before anything parses them: one field cannot
 * make a parser or the process do unbounded work, and all fields together cannot fill memory
 * (500 fields x 16 MiB once took the server to 3.75 GB).
 */
export type Form = Map<string, string[]>;

const MiB = 1024 * 1024;

export const FORM_LIMITS = Object.freeze({
  /** All text fields together, names included: a generous description plus the rest of the metadata. */
  totalBytes: 2 * MiB,
  /** Repeated fields (classifiers, requires_dist, project_urls) of the largest real projects fit. */
  fields: 1000,
});

/**
 * Per-field caps, in characters, checked before any parser sees the value (the same caps apply to
 * METADATA). Version is capped at 128 as Warehouse does; the others leave ample room over real values.
 */
export const FIELD_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  ":action": 32,
  protocol_version: 8,
  metadata_version: 16,
  name: MAX_PROJECT_NAME_LENGTH,
  version: MAX_VERSION_LENGTH,
  filetype: 32,
  pyversion: 128,
  requires_python: MAX_REQUIRES_PYTHON_LENGTH,
  sha256_digest: 128,
  blake2_256_digest: 128,
  md5_digest: 128,
  summary: 512,
});

/** The multipart reader's limits: it stops a request long before memory is at stake. */
export const MULTIPART_FIELD_LIMITS: Limits = {
  fields: FORM_LIMITS.fields,
  // One byte over the total, so a single oversize field is seen as truncated and refused below.
  fieldBytes: FORM_LIMITS.totalBytes + 1,
  files: 1,
  parts: FORM_LIMITS.fields + 1,
};

/** The largest file the upload route takes whatever a project's limit says (admin/projects.ts caps those). */
export const FILE_CEILING_BYTES = 4 * 1024 * 1024 * 1024;

/** Whether the request says it is multipart/form-data (the only body the upload route reads). */
export function isMultipartForm(req: FastifyRequest): boolean {
  return /^multipart\/form-data\s*(;|$)/i.test(req.headers["content-type"] ?? "");
}

/** Adds one text field to the form, refusing it if it breaks a cap or carries U+0000. */
export function addField(
  form: Form,
  part: { fieldname: string | undefined; value: unknown; valueTruncated?: boolean },
  used: { bytes: number },
): void {
  // busboy passes a part whose Content-Disposition has no name (or no usable one) with no field name.
  if (typeof part.fieldname !== "string" || part.fieldname === "")
    throw pypiErrors.UPLOAD_INVALID(
      'A form part has no field name: each part needs Content-Disposition: form-data; name="...".',
    );
  const name = part.fieldname;
  const value = String(part.value);
  used.bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  if (part.valueTruncated || used.bytes > FORM_LIMITS.totalBytes)
    throw pypiErrors.FORM_TOO_LARGE(
      `The form fields are too large: at most ${FORM_LIMITS.totalBytes / MiB} MiB of metadata in total.`,
    );
  const max = FIELD_MAX_LENGTH[name];
  if (max !== undefined && value.length > max)
    throw pypiErrors.UPLOAD_INVALID(`The field '${name}' is too long: at most ${max} characters.`);
  // PostgreSQL cannot store U+0000 in text; refusing it here treats both databases the same.
  if (name.includes("\u0000") || value.includes("\u0000"))
    throw pypiErrors.UPLOAD_INVALID(
      `The field '${name.replace(/[^\x20-\x7e]/g, "?").slice(0, 40)}' contains a NUL character (U+0000).`,
    );
  const list = form.get(name);
  if (list) list.push(value);
  else form.set(name, [value]);
}

/**
 * A /legacy/ request whose body is not multipart/form-data. Fastify refuses some of these itself before
 * the route runs (an unknown content type is a bare 415, an oversize JSON body a bare 413); twine shows
 * only the reason phrase, so every such body gets this one sentence, naming the type that was sent.
 */
export function notMultipart(contentType: string | undefined): AppError {
  const sent = contentType
    ? `'${contentType.replace(/[^\x20-\x7e]/g, "?").slice(0, 60)}'`
    : "no content type";
  return pypiErrors.UPLOAD_INVALID(
    `Uploads must be multipart/form-data, as twine sends them (this request sent ${sent}).`,
  );
}

/** What the multipart reader's refusals mean for someone running twine. */
function multipartError(e: unknown): AppError {
  if (isAppError(e)) return e;
  if (e instanceof MultipartLimit)
    return e.limit === "files"
      ? pypiErrors.UPLOAD_INVALID("Send exactly one file, in the field 'content'.")
      : pypiErrors.FORM_TOO_LARGE(`Too many form fields: at most ${FORM_LIMITS.fields}.`);
  // Anything else from the reader is a body that is not the multipart/form-data it claims to be: a
  // missing or wrong boundary, a truncated body ("Unexpected end of form"), bad headers, an aborted request.
  const detail = e instanceof Error ? e.message.replace(/[^\x20-\x7e]/g, "?").slice(0, 100) : "unreadable";
  return pypiErrors.UPLOAD_INVALID(`Malformed multipart/form-data body (${detail}). Upload with twine.`);
}

/**
 * The request's parts, with the reader's own errors (which are all the client's doing) turned into
 * 4xx answers. Errors thrown by the caller's loop body are not touched, so a database failure while
 * handling a part still answers 500. A file part must be read (or the request refused) before the
 * next part is asked for.
 */
export async function* uploadParts(req: FastifyRequest, source: ByteSource): AsyncGenerator<Part> {
  let reader: MultipartReader;
  try {
    reader = new MultipartReader(source, boundaryOf(req.headers["content-type"]), MULTIPART_FIELD_LIMITS);
  } catch (e) {
    throw multipartError(e);
  }
  for (;;) {
    let next: Part | null;
    try {
      next = await reader.next();
    } catch (e) {
      throw multipartError(e);
    }
    if (!next) return;
    yield next;
  }
}

/**
 * After a refusal in the middle of the body (or after the final delimiter), stop reading: the rest is
 * read and discarded, so the client still receives the answer and its reason.
 */
export function discardRestOfBody(req: FastifyRequest, source: ByteSource): void {
  source.detach();
  if (req.raw.readableEnded) return;
  req.raw.resume();
}
