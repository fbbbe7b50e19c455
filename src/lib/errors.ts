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

/** Builds a throwing helper from a catalogue so call sites read `throw err.USERNAME_TAKEN()`. */
export function catalogue<C extends ErrorCatalogue>(
  entries: C,
): { [K in keyof C]: (message?: string) => AppError } {
  const out = {} as { [K in keyof C]: (message?: string) => AppError };
  for (const code of Object.keys(entries) as (keyof C & string)[]) {
    const entry = entries[code]!;
    out[code] = (message?: string) => new AppError(entry.status, code, message ?? entry.message, entry.field);
  }
  return out;
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
