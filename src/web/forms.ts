import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { RequestContext } from "../accounts/index.js";
import { isAppError } from "../lib/errors.js";
import { webErrors } from "./errors.js";
import type { FormState } from "./pages/auth.js";

// Any single form value longer than this is refused outright; fields apply their own tighter limits
// (a password may be 4096 characters, which is up to 16 KiB of UTF-8).
const MAX_FIELD = 20_000;
const formBody = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/** Reads the named fields of a urlencoded form as strings (missing → ""), refusing odd shapes. */
export function readForm<K extends string>(req: FastifyRequest, names: readonly K[]): Record<K, string> {
  const parsed = formBody.safeParse(req.body ?? {});
  if (!parsed.success) throw webErrors.FORM_INVALID();
  const out = {} as Record<K, string>;
  for (const name of names) {
    const v = parsed.data[name];
    if (Array.isArray(v))
      throw webErrors.FORM_INVALID(`The field ${name} was sent more than once.`, { field: name });
    if ((v ?? "").length > MAX_FIELD) throw webErrors.FIELD_TOO_LONG(undefined, { field: name });
    out[name] = v ?? "";
  }
  return out;
}

export function requestContext(req: FastifyRequest): RequestContext {
  return { ip: req.ip, userAgent: String(req.headers["user-agent"] ?? "") };
}

/**
 * Turns a domain error into form state: a field's message goes beside that field, anything else on
 * top of the form. Rate-limit headers are kept. Unexpected errors are rethrown to the error handler.
 */
export function formFailure(
  e: unknown,
  reply: FastifyReply,
  values: Record<string, string>,
): { state: FormState; status: number } {
  if (!isAppError(e)) throw e;
  for (const [k, v] of Object.entries(e.headers ?? {})) reply.header(k, v);
  const safeValues = Object.fromEntries(Object.entries(values).filter(([k]) => !/password|token/.test(k)));
  return {
    status: e.status,
    state: e.field
      ? { values: safeValues, errors: { [e.field]: e.message } }
      : { values: safeValues, error: e.message },
  };
}
