import type { DbExecutor } from "../db/index.js";
import { isUniqueViolation } from "../db/index.js";
import { newId } from "../lib/ids.js";
import { accountErrors } from "./errors.js";
import { checkPasswordPolicy, hashPassword } from "./passwords.js";
import { assertNotAnNpmScope } from "./scope-names.js";
import { canonicalEmail, canonicalUsername, validateEmail, validateUsername } from "./usernames.js";

export interface User {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  isAdmin: boolean;
  isFrozen: boolean;
  createdAt: number;
  passwordChangedAt: number;
  /** Set when account recovery reset every factor: a new one must be enrolled before anything else. */
  mfaRequiredAt: number | null;
}

type Row = {
  id: string;
  username: string;
  email: string;
  email_verified_at: number | null;
  is_admin: number;
  is_frozen: number;
  created_at: number;
  password_changed_at: number;
  mfa_required_at: number | null;
};

export function toUser(r: Row): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    emailVerified: r.email_verified_at !== null,
    isAdmin: r.is_admin === 1,
    isFrozen: r.is_frozen === 1,
    createdAt: r.created_at,
    passwordChangedAt: r.password_changed_at,
    mfaRequiredAt: r.mfa_required_at,
  };
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  verified?: boolean;
  admin?: boolean;
}

/**
 * Validates and inserts a user. Uniqueness is checked up front for a clear message and enforced by the
 * unique indexes, so a race between two registrations still cannot create look-alike twins.
 */
export async function insertUser(db: DbExecutor, now: number, input: NewUser): Promise<User> {
  const username = validateUsername(input.username);
  const email = validateEmail(input.email);
  checkPasswordPolicy(input.password, { username, email });
  await assertAvailable(db, username, email);
  const row = {
    id: newId(now),
    username,
    username_canonical: canonicalUsername(username),
    email,
    email_canonical: canonicalEmail(email),
    email_verified_at: input.verified ? now : null,
    password_hash: await hashPassword(input.password),
    password_changed_at: now,
    is_admin: input.admin ? 1 : 0,
    is_frozen: 0,
    created_at: now,
    mfa_enrolled_at: null,
    mfa_checkup_at: null,
    mfa_required_at: null,
  };
  try {
    await db.insertInto("users").values(row).execute();
  } catch (e) {
    if (isUniqueViolation(e)) {
      await assertAvailable(db, username, email);
      throw accountErrors.USERNAME_TAKEN();
    }
    throw e;
  }
  return toUser(row);
}

async function assertAvailable(db: DbExecutor, username: string, email: string): Promise<void> {
  const taken = await db
    .selectFrom("users")
    .select(["username_canonical", "email_canonical"])
    .where((eb) =>
      eb.or([
        eb("username_canonical", "=", canonicalUsername(username)),
        eb("email_canonical", "=", canonicalEmail(email)),
      ]),
    )
    .execute();
  if (taken.some((t) => t.username_canonical === canonicalUsername(username)))
    throw accountErrors.USERNAME_TAKEN();
  if (taken.length > 0) throw accountErrors.EMAIL_TAKEN();
  await assertNotAnNpmScope(db, username);
}

const PUBLIC_COLUMNS = [
  "id",
  "username",
  "email",
  "email_verified_at",
  "is_admin",
  "is_frozen",
  "created_at",
  "password_changed_at",
  "mfa_required_at",
] as const;

export async function getUser(db: DbExecutor, id: string): Promise<User | null> {
  const r = await db.selectFrom("users").select(PUBLIC_COLUMNS).where("id", "=", id).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function getUserByUsername(db: DbExecutor, username: string): Promise<User | null> {
  const r = await db
    .selectFrom("users")
    .select(PUBLIC_COLUMNS)
    .where("username_canonical", "=", canonicalUsername(username))
    .executeTakeFirst();
  return r ? toUser(r) : null;
}

/** The column and canonical value a typed username or email is looked up by; null for nothing usable. */
function loginKey(login: string): ["email_canonical" | "username_canonical", string] | null {
  const key = login.trim();
  if (!key || key.length > 254) return null;
  return key.includes("@")
    ? ["email_canonical", canonicalEmail(key)]
    : ["username_canonical", canonicalUsername(key)];
}

/** Looks up by username or email (both canonical), returning the hash for password checks. */
export async function findForLogin(
  db: DbExecutor,
  login: string,
): Promise<(User & { passwordHash: string }) | null> {
  const key = loginKey(login);
  if (!key) return null;
  const r = await db
    .selectFrom("users")
    .select([...PUBLIC_COLUMNS, "password_hash"])
    .where(key[0], "=", key[1])
    .executeTakeFirst();
  return r ? { ...toUser(r), passwordHash: r.password_hash } : null;
}

/** The account a typed username or email names (account recovery), without the password hash. */
export async function getUserByLogin(db: DbExecutor, login: string): Promise<User | null> {
  const key = loginKey(login);
  if (!key) return null;
  const r = await db.selectFrom("users").select(PUBLIC_COLUMNS).where(key[0], "=", key[1]).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function getPasswordHash(db: DbExecutor, userId: string): Promise<string> {
  const r = await db
    .selectFrom("users")
    .select("password_hash")
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return r.password_hash;
}

export async function listUsers(db: DbExecutor): Promise<User[]> {
  const rows = await db.selectFrom("users").select(PUBLIC_COLUMNS).orderBy("created_at").execute();
  return rows.map(toUser);
}

export async function countUsers(db: DbExecutor): Promise<number> {
  const r = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
