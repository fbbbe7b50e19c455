import { type DbExecutor, isUniqueViolation } from "../db/index.js";
import { oidcErrors } from "./errors.js";

/**
 * Spends an OIDC token's `jti`: an insert the (issuer, jti) primary key lets succeed once, on every
 * instance sharing the database. Run it in the transaction that mints the registry token, so a refused
 * exchange leaves the OIDC token unspent and a minted one is never minted twice. On PostgreSQL a
 * violated key aborts the transaction, which is what a refusal does anyway.
 */
export async function spendJti(
  db: DbExecutor,
  issuer: string,
  jti: string,
  expiresAt: number,
): Promise<void> {
  try {
    await db.insertInto("oidc_jti_used").values({ issuer, jti, expires_at: expiresAt }).execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw oidcErrors.REPLAYED();
    throw e;
  }
}
