import type { DbExecutor } from "../db/index.js";
import { safeEqual, sha256Hex } from "../lib/crypto.js";
import { newId } from "../lib/ids.js";
import type { ProvenanceClaims } from "../packages/index.js";
import type { VerifiedToken } from "./cache.js";
import { tokenErrors } from "./errors.js";
import { mintToken, tokenLookup, tokenMatches } from "./format.js";
import { checkTokenAddress, projectsInNpmScopes } from "./restrictions.js";
import { tokenName } from "./rules.js";
import type { TokenUsage } from "./usage.js";

export type TokenScope = { kind: "account" } | { kind: "projects"; projectIds: string[] };

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  displayPrefix: string;
  scope: TokenScope;
  /** Names of the scoped projects, for display. */
  projectNames: string[];
  issuedBy: "user" | "admin";
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Who a presented token speaks for, and what it may touch. */
export interface TokenActor {
  tokenId: string;
  userId: string;
  scope: TokenScope;
  /** 004: may read but not write (authenticateToken refuses it unless the caller only reads). */
  readonly?: boolean;
  /** 004: npm writes skip the OTP prompt unless the package requires 2FA to publish. */
  bypass2fa?: boolean;
  /**
   * 031: minted by a trusted publisher's OIDC exchange: its own actor kind in authz (upload only, to
   * its one project; no interactive second factor asked). The claims go into the upload's provenance.
   */
  publisher?: {
    id: string;
    label: string;
    claims: ProvenanceClaims;
    /** Project id → the publisher of that project the token was minted for (several: a monorepo). */
    byProject: Record<string, string>;
  };
}

export interface NewToken {
  userId: string;
  name: string;
  projectIds: string[] | null;
  expiresAt: number | null;
  issuedBy: "user" | "admin";
}

export async function insertToken(
  db: DbExecutor,
  now: number,
  input: NewToken,
): Promise<{ token: string; id: string }> {
  const name = tokenName(input.name);
  const clash = await db
    .selectFrom("api_tokens")
    .select("id")
    .where("user_id", "=", input.userId)
    .where("name", "=", name)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .executeTakeFirst();
  if (clash) throw tokenErrors.NAME_TAKEN();
  const minted = mintToken();
  const id = newId(now);
  await db
    .insertInto("api_tokens")
    .values({
      id,
      user_id: input.userId,
      name,
      lookup: minted.lookup,
      token_hash: minted.hash,
      display_prefix: minted.displayPrefix,
      scope: input.projectIds ? "projects" : "account",
      issued_by: input.issuedBy,
      created_at: now,
      expires_at: input.expiresAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  if (input.projectIds?.length) {
    await db
      .insertInto("api_token_projects")
      .values(input.projectIds.map((project_id) => ({ token_id: id, project_id })))
      .execute();
  }
  return { token: minted.token, id };
}

export async function listTokens(
  db: DbExecutor,
  userId: string,
  opts: { id?: string } = {},
): Promise<ApiToken[]> {
  let q = db.selectFrom("api_tokens").selectAll().where("user_id", "=", userId);
  if (opts.id) q = q.where("id", "=", opts.id);
  const rows = await q.orderBy("created_at", "desc").execute();
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom("api_token_projects")
    .innerJoin("projects", "projects.id", "api_token_projects.project_id")
    .select(["api_token_projects.token_id", "projects.id", "projects.name"])
    .where(
      "api_token_projects.token_id",
      "in",
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => {
    const mine = links.filter((l) => l.token_id === r.id);
    return {
      id: r.id,
      userId: r.user_id,
      name: r.name,
      displayPrefix: r.display_prefix,
      scope:
        r.scope === "account" ? { kind: "account" } : { kind: "projects", projectIds: mine.map((l) => l.id) },
      projectNames: mine.map((l) => l.name),
      issuedBy: r.issued_by === "admin" ? "admin" : "user",
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    };
  });
}

/** Revokes one of the user's tokens; returns it, or throws NOT_FOUND. Idempotent for revoked ones. */
export async function markRevoked(
  db: DbExecutor,
  now: number,
  userId: string,
  tokenId: string,
): Promise<ApiToken> {
  const [token] = await listTokens(db, userId, { id: tokenId });
  if (!token) throw tokenErrors.NOT_FOUND();
  if (token.revokedAt === null) {
    await db
      .updateTable("api_tokens")
      .set({ revoked_at: now })
      .where("id", "=", tokenId)
      .where("revoked_at", "is", null)
      .execute();
    token.revokedAt = now;
  }
  return token;
}

export async function revokeAllTokens(db: DbExecutor, now: number, userId: string): Promise<number> {
  const r = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * The id of a live (unrevoked, unexpired) token if `token` is one of `userId`'s, else null. Account
 * recovery takes it as proof of possession; nothing is used or touched, and no reason is given, so it
 * cannot be turned into an oracle about other people's tokens.
 */
export async function liveTokenOf(
  db: DbExecutor,
  now: number,
  userId: string,
  token: string,
): Promise<{ id: string; name: string } | null> {
  const lookup = tokenLookup(token.trim());
  if (!lookup) return null;
  const row = await db
    .selectFrom("api_tokens")
    .select(["id", "name", "token_hash", "user_id", "revoked_at", "expires_at"])
    .where("lookup", "=", lookup)
    .executeTakeFirst();
  if (!row || !tokenMatches(token.trim(), row.token_hash) || row.user_id !== userId) return null;
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
  return { id: row.id, name: row.name };
}

/** Whether a token (by id) is still live: a recovery proof must still stand when the wait ends. */
export async function tokenIsLive(db: DbExecutor, now: number, tokenId: string): Promise<boolean> {
  const row = await db
    .selectFrom("api_tokens")
    .select(["revoked_at", "expires_at"])
    .where("id", "=", tokenId)
    .executeTakeFirst();
  return Boolean(row && row.revoked_at === null && (row.expires_at === null || row.expires_at > now));
}

/**
 * Resolves a presented token. Each refusal says why (expired, revoked, unknown) because the person
 * reading twine's one-line error needs to know what to fix.
 *
 * Issue 15 item 8: a token verified a moment ago is answered from `usage.verified` (cache.ts) without
 * the database; revocation reaches that cache through the change feed (see VerifiedTokens).
 */
export async function authenticateToken(
  db: DbExecutor,
  usage: TokenUsage | undefined,
  now: number,
  token: string,
  /**
   * 004: `ip` is checked against the token's CIDR allow-list (without it such tokens fail closed);
   * read-only tokens are refused unless the caller says the request only reads. 031: a trusted
   * publisher's token only where the caller says the request is an upload (`publish`), so every other
   * route refuses it without having to know it exists (fail closed).
   */
  use: { ip?: string; read?: boolean; publish?: boolean } = {},
): Promise<TokenActor> {
  const lookup = tokenLookup(token);
  if (!lookup) throw tokenErrors.TOKEN_INVALID();
  const hash = sha256Hex(token);
  const cache = usage?.verified;
  let v = cache?.get(hash, now);
  if (!v) {
    const generation = cache?.generation() ?? 0;
    v = await verifyToken(db, now, lookup, hash);
    cache?.put(hash, v, now, generation);
  }
  checkUse(v, use);
  usage?.touch(v.tokenId, now);
  const flags = {
    readonly: v.readonly,
    bypass2fa: v.bypass2fa,
    ...(v.publisher ? { publisher: v.publisher } : {}),
  };
  if (v.scope === "account")
    return { tokenId: v.tokenId, userId: v.userId, scope: { kind: "account" }, ...flags };
  const inScopes = await projectsInNpmScopes(db, v.userId, v.npmScopes);
  return {
    tokenId: v.tokenId,
    userId: v.userId,
    // A copy: the cached entry must not change with what a caller does to its actor.
    scope: { kind: "projects", projectIds: [...v.projectIds, ...inScopes] },
    ...flags,
  };
}

/** What every use of a live token is checked for, whether the cache or the database vouched for it. */
function checkUse(v: VerifiedToken, use: { ip?: string; read?: boolean; publish?: boolean }): void {
  checkTokenAddress(v.cidrs, use.ip);
  if (v.readonly && !use.read) throw tokenErrors.TOKEN_READONLY();
  if (v.publisher && !use.publish) throw tokenErrors.TOKEN_PUBLISH_ONLY();
}

/**
 * authenticateToken for a read, without waiting: true only when the verified-token cache vouches for
 * the token (live, unexpired, not revoked on any instance since: cache.ts) and it may read from `ip`;
 * the use is recorded as authenticateToken records it. False means only "not known here": the caller
 * must then take the path that asks the database (and refuses a dead token). For answers replayed
 * before Fastify (http/replay.ts), which cannot wait for a query.
 */
export function cachedReadAllowed(
  usage: TokenUsage | undefined,
  now: number,
  token: string,
  ip: string | undefined,
): boolean {
  const v = usage?.verified && tokenLookup(token) ? usage.verified.get(sha256Hex(token), now) : undefined;
  if (!v) return false;
  try {
    checkUse(v, { ip, read: true });
  } catch {
    return false;
  }
  usage?.touch(v.tokenId, now);
  return true;
}

/** The database's word on a presented token (its lookup id and sha256): live, or why not. */
async function verifyToken(
  db: DbExecutor,
  now: number,
  lookup: string,
  hash: string,
): Promise<VerifiedToken> {
  const row = await db
    .selectFrom("api_tokens")
    .leftJoin("users", "users.id", "api_tokens.user_id")
    .selectAll("api_tokens")
    .select("users.is_frozen")
    .where("api_tokens.lookup", "=", lookup)
    .executeTakeFirst();
  if (!row || !safeEqual(hash, row.token_hash)) throw tokenErrors.TOKEN_INVALID();
  if (row.revoked_at !== null) throw tokenErrors.TOKEN_REVOKED();
  if (row.expires_at !== null && row.expires_at <= now) {
    throw tokenErrors.TOKEN_EXPIRED(
      `This API token expired on ${new Date(row.expires_at).toISOString().slice(0, 10)}. Create a new one.`,
    );
  }
  if (row.is_frozen === null || row.is_frozen === 1)
    throw tokenErrors.TOKEN_INVALID("This account is frozen. Contact the registry operators.");
  const projects =
    row.scope === "account"
      ? []
      : await db
          .selectFrom("api_token_projects")
          .select("project_id")
          .where("token_id", "=", row.id)
          .execute();
  return {
    tokenId: row.id,
    userId: row.user_id,
    expiresAt: row.expires_at,
    cidrs: row.cidr_whitelist,
    readonly: row.readonly === 1,
    bypass2fa: row.bypass_2fa === 1,
    scope: row.scope === "account" ? "account" : "projects",
    projectIds: projects.map((p) => p.project_id),
    npmScopes: row.npm_scopes,
    ...(row.publisher_id !== null ? { publisher: publisherOf(row.publisher_id, row.publisher_claims) } : {}),
  };
}

/** A project-scoped token reaches only its projects; creating a new project needs an account token. */
export function tokenCovers(actor: TokenActor, projectId: string | null): boolean {
  if (actor.scope.kind === "account") return true;
  return projectId !== null && actor.scope.projectIds.includes(projectId);
}

function publisherOf(id: string, json: string | null): NonNullable<TokenActor["publisher"]> {
  // The per-project publishers travel beside the claims (publisher.ts); tokens minted before have none.
  const { byProject, ...claims } = JSON.parse(json ?? "{}") as ProvenanceClaims & {
    byProject?: Record<string, string>;
  };
  return { id, label: claims.publisher ?? id, claims, byProject: byProject ?? {} };
}
