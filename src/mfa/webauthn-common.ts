import { isIP } from "node:net";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { z } from "zod";
import type { DbExecutor } from "../db/index.js";
import { mfaErrors } from "./errors.js";
import type { MfaDeps } from "./notify.js";

/**
 * @simplewebauthn/server, with its X.509 and ASN.1 stack, costs ~300 ms of CPU to import: it is loaded by
 * the first ceremony rather than at start-up (issue 15); import() caches the module after that.
 */
export const webauthnServer = () => import("@simplewebauthn/server");

export type KeyKind = "security-key" | "passkey";
export const KEY_KINDS = ["security-key", "passkey"] as const;

/** What the browser needs, plus the id of the stored single-use challenge it must send back. */
export interface CeremonyOptions<T> {
  challengeId: string;
  options: T;
}

/** Long enough to find and touch a key; the challenge itself lives 5 minutes. */
export const CEREMONY_TIMEOUT_MS = 2 * 60_000;
export const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * The relying party comes from WHARF_ORIGIN alone, never from Host or Origin headers: an attacker who
 * controls a header must not be able to choose the RP ID a signature is checked against. WebAuthn
 * (§5.1.3, "valid domain") refuses IP addresses as RP IDs, so an origin such as http://127.0.0.1:8080
 * cannot use keys at all; use http://localhost:PORT (a secure context) or a real domain.
 */
export function relyingParty(deps: MfaDeps): { rpID: string; origin: string; rpName: string } {
  const url = new URL(deps.config.origin);
  const rpID = url.hostname;
  if (isIP(rpID.replace(/^\[|\]$/g, ""))) {
    throw mfaErrors.WEBAUTHN_UNAVAILABLE();
  }
  return { rpID, origin: url.origin, rpName: deps.config.siteName };
}

/** The WebAuthn user handle: the opaque account id (no name or email: it is stored on the key). */
export function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId, "utf8"));
}

/** A stored challenge (base64url, 32 random bytes) as the bytes the options carry. */
export function challengeBytes(challenge: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(challenge, "base64url"));
}

const b64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/, "base64url")
  .max(16_384);
const extensions = z.record(z.string(), z.unknown()).default({});

const registrationSchema = z.looseObject({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensions,
  response: z.looseObject({
    clientDataJSON: b64url,
    attestationObject: b64url,
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
});

const authenticationSchema = z.looseObject({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensions,
  response: z.looseObject({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: b64url.optional(),
  }),
});

/** The browser's answer is untrusted input: check its shape before the library parses its bytes. */
export function parseRegistrationResponse(raw: unknown): RegistrationResponseJSON {
  const parsed = registrationSchema.safeParse(typeof raw === "string" ? safeJson(raw) : raw);
  if (!parsed.success) throw mfaErrors.WEBAUTHN_FAILED();
  return parsed.data as RegistrationResponseJSON;
}

export function parseAuthenticationResponse(raw: unknown): AuthenticationResponseJSON {
  const parsed = authenticationSchema.safeParse(typeof raw === "string" ? safeJson(raw) : raw);
  if (!parsed.success) throw mfaErrors.WEBAUTHN_FAILED();
  return parsed.data as AuthenticationResponseJSON;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

export const LABEL_MAX = 64;

/** Trimmed, 1–64 characters, no control characters; throws LABEL_INVALID. */
export function cleanLabel(raw: string): string {
  const label = raw.trim().replace(/\s+/g, " ");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!label || [...label].length > LABEL_MAX || /[\u0000-\u001f\u007f]/.test(label)) {
    throw mfaErrors.LABEL_INVALID();
  }
  return label;
}

/**
 * Labels are unique per user, ignoring case. Compared in JavaScript, not with SQL lower(): SQLite's
 * lower() folds ASCII only, so "Ä" and "ä" would be equal on PostgreSQL and different on SQLite.
 */
export async function assertLabelFree(
  db: DbExecutor,
  userId: string,
  label: string,
  exceptKeyId?: string,
): Promise<void> {
  const rows = await db
    .selectFrom("webauthn_credentials")
    .select(["id", "label"])
    .where("user_id", "=", userId)
    .execute();
  const wanted = label.toLowerCase();
  if (rows.some((r) => r.id !== exceptKeyId && r.label.toLowerCase() === wanted)) {
    throw mfaErrors.LABEL_TAKEN();
  }
}

/**
 * Serialises factor changes of one user: an UPDATE that changes nothing still takes the row lock on
 * PostgreSQL until commit (SQLite runs one write transaction at a time anyway), so two concurrent
 * enrollments cannot both pass the label check or both believe they add the first factor.
 */
export async function lockUser(tx: DbExecutor, userId: string): Promise<void> {
  await tx
    .updateTable("users")
    .set((eb) => ({ mfa_enrolled_at: eb.ref("mfa_enrolled_at") }))
    .where("id", "=", userId)
    .execute();
}

export async function userCredentials(db: DbExecutor, userId: string, passkeysOnly = false) {
  let q = db
    .selectFrom("webauthn_credentials")
    .select(["credential_id", "transports"])
    .where("user_id", "=", userId);
  if (passkeysOnly) q = q.where("is_passkey", "=", 1);
  const rows = await q.orderBy("created_at").execute();
  return rows.map((r) => ({ id: r.credential_id, transports: parseTransports(r.transports) }));
}

export function parseTransports(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}
