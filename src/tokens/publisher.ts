import type { DbExecutor } from "../db/index.js";
import { newId } from "../lib/ids.js";
import type { ProvenanceClaims } from "../packages/index.js";
import { mintToken } from "./format.js";

/** A trusted publisher's token lives at most this long (PyPI's and npm's choice too). */
export const PUBLISHER_TOKEN_TTL_MS = 15 * 60_000;

/**
 * Mints the registry token a trusted publisher's OIDC exchange hands back: a normal Wharf token (same
 * prefix, hash and lookup, so secret scanners and revocation work as for any other) scoped to the
 * projects whose publishers accepted the OIDC token (one, or several for a monorepo workflow), each
 * with the publisher that let it in (authz/publisher.ts checks that one is still configured), living ≤ 15 minutes, marked with the publisher (api_tokens.publisher_id), which makes it
 * upload-only (authenticateToken) and its own actor kind (authz/decide.ts). `userId` is the account it
 * is attributed to (the publisher's creator while they maintain the project, else an owner).
 */
export async function insertPublisherToken(
  db: DbExecutor,
  now: number,
  input: {
    userId: string;
    /** At least one; the claims name the first's publisher (api_tokens.publisher_id). */
    projects: Array<{ projectId: string; publisherId: string }>;
    claims: ProvenanceClaims;
    ttlMs?: number;
  },
): Promise<{ token: string; id: string; expiresAt: number }> {
  const minted = mintToken();
  const id = newId(now);
  const expiresAt = now + Math.min(input.ttlMs ?? PUBLISHER_TOKEN_TTL_MS, PUBLISHER_TOKEN_TTL_MS);
  await db
    .insertInto("api_tokens")
    .values({
      id,
      user_id: input.userId,
      // Unique among the user's live tokens: the id makes it so.
      name: `trusted publisher ${input.claims.publisher}`.slice(0, 80) + ` ${id.slice(-8)}`,
      lookup: minted.lookup,
      token_hash: minted.hash,
      display_prefix: minted.displayPrefix,
      scope: "projects",
      issued_by: "user",
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
      publisher_id: input.claims.publisherId,
      publisher_claims: JSON.stringify({
        ...input.claims,
        byProject: Object.fromEntries(input.projects.map((p) => [p.projectId, p.publisherId])),
      }),
    })
    .execute();
  await db
    .insertInto("api_token_projects")
    .values(input.projects.map((p) => ({ token_id: id, project_id: p.projectId })))
    .execute();
  return { token: minted.token, id, expiresAt };
}
