import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { RequestContext } from "../accounts/index.js";
import { AppError, isAppError } from "../lib/errors.js";
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
 * Several fields refused at once (checkFields). An AppError like any other, so a surface that knows
 * nothing of forms still answers 400 with a sentence; formFailure puts each message beside its field.
 */
export class FieldErrors extends AppError {
  constructor(readonly errors: Readonly<Record<string, string>>) {
    const base = webErrors.FIELDS_INVALID();
    super(base.status, base.code, base.message);
  }
}

/**
 * Runs every check of a form before the domain is called, so the page reports all its errors at once
 * instead of the first one the domain meets. Each check is the domain's own rule (e.g. accounts'
 * validateUsername), so page and domain cannot drift apart; its message goes beside the field named
 * by the check's key (the form's name for it: the password policy speaks of "password", the change
 * form's field is "new_password"). Falsy checks are skipped. The domain checks again when called:
 * this is for the person filling the form, not a security boundary.
 */
export function checkFields(checks: FieldChecks): void {
  const errors = fieldErrorsOf(checks);
  if (Object.keys(errors).length > 0) throw new FieldErrors(errors);
}

export type FieldChecks = Record<string, (() => unknown) | false | undefined>;

/** checkFields' messages without the throw, for a form that merges them with errors of its own. */
export function fieldErrorsOf(checks: FieldChecks): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, check] of Object.entries(checks)) {
    if (!check) continue;
    try {
      check();
    } catch (e) {
      if (!isAppError(e)) throw e;
      errors[name] = e.message;
    }
  }
  return errors;
}

/** A check for checkFields: the field must not be blank. */
export function required(value: string, message: string): () => void {
  return () => {
    if (!value.trim()) throw webErrors.FIELD_REQUIRED(message);
  };
}

/** A check for checkFields: the value must be one of the form's own options (radio buttons, selects). */
export function choice(value: string, options: readonly string[], message: string): () => void {
  return () => {
    if (!options.includes(value)) throw webErrors.FIELD_REQUIRED(message);
  };
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
    state:
      e instanceof FieldErrors
        ? { values: safeValues, errors: { ...e.errors } }
        : e.field
          ? { values: safeValues, errors: { [e.field]: e.message } }
          : { values: safeValues, error: e.message },
  };
}
