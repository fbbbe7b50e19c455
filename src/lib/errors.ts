/**
 * One error type for the whole server. Each feature keeps an UPPER_SNAKE catalogue of its codes
 * (see e.g. accounts/errors.ts); the HTTP layer maps an AppError to the dialect of the surface that
 * raised it (HTML page, JSON, npm, twine reason phrase).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The form field the message belongs beside, for pages. */
    readonly field?: string,
    /** Extra headers the client needs, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export type ErrorCatalogue = Record<string, { status: number; message: string; field?: string }>;

/** What a call site may add to a catalogue entry: the field a message belongs beside, response headers. */
export interface ErrorExtras {
  field?: string;
  headers?: Record<string, string>;
}

/**
 * Builds a throwing helper from a catalogue so call sites read `throw err.USERNAME_TAKEN()`, or
 * `err.PROJECT_NOT_FOUND(specificMessage)` when the message carries a value. Status and
 * code always come from the entry: a call site cannot invent either.
 */
export function catalogue<C extends ErrorCatalogue>(
  entries: C,
): { [K in keyof C]: (message?: string, extras?: ErrorExtras) => AppError } {
  const out = {} as { [K in keyof C]: (message?: string, extras?: ErrorExtras) => AppError };
  for (const code of Object.keys(entries) as (keyof C & string)[]) {
    const entry = entries[code]!;
    out[code] = (message?: string, extras: ErrorExtras = {}) =>
      new AppError(entry.status, code, message ?? entry.message, extras.field ?? entry.field, extras.headers);
  }
  return out;
}

/**
 * Re-raises an error that was received, not made here: a refusal decided elsewhere (an authz
 * decision, the HTTP framework's own 4xx) or another feature's AppError with its field or text
 * adapted to this surface. Its status and code are the received ones; new errors come from a catalogue.
 */
export function reraise(received: {
  status: number;
  code: string;
  message: string;
  field?: string;
  headers?: Record<string, string>;
}): AppError {
  return new AppError(received.status, received.code, received.message, received.field, received.headers);
}

/** The error a refusal decided elsewhere names (an authz Decision that did not allow), re-raised as is. */
export function refusal(d: { status: number; code: string; reason: string }): AppError {
  return reraise({ status: d.status, code: d.code, message: d.reason });
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
