import type { User } from "../accounts/index.js";
import type { Grant } from "../authz/index.js";
import { transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { DAY } from "../lib/clock.js";
import { AppError } from "../lib/errors.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/tokens.js";
import { projectsOfUser } from "../packages/index.js";
import { tokenErrors } from "./errors.js";
import { normalizeCidrs } from "./restrictions.js";
import { checkExpiryDays } from "./rules.js";
import { checkTokenGrant } from "./service.js";
import { insertToken, listTokens } from "./store.js";

type CliTokenDeps = Pick<Deps, "db" | "clock" | "mailer" | "log"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

/** A token asked for by a command-line client (npm login, npm token create). */
export interface CliTokenRequest {
  name: string;
  /** null = the whole account; otherwise ids of projects the user has a role on. */
  projectIds: string[] | null;
  /** npm scopes ("@acme") whose packages the token also covers; only with projectIds. */
  npmScopes?: string[];
  expiresInDays: number | null;
  readonly?: boolean;
  cidrs?: string[];
  bypass2fa?: boolean;
  /** Why it was made, for the event and the mail ("npm login", "npm token create"). */
  via: string;
  /**
   * A token asked for as such (npm token create) follows the web's rules: the surface asked
   * authorizeTokenCreation() (verified email, no enforced mandate unmet on what the token can write)
   * and passes the grant. A login's token is the CLI's session instead ("cli-session"): every write it
   * makes is authorized when it is made.
   */
  grant: Grant | "cli-session";
}

export interface CliToken {
  token: string;
  id: string;
  createdAt: number;
  expiresAt: number | null;
}

/**
 * The web's token rules (one store, shown on /account/tokens), for a caller that already
 * re-authenticated in the same request (password, and second factor when enrolled) instead of a
 * browser's sudo window. The owner is told by mail, as for every new credential.
 */
export async function createCliToken(
  deps: CliTokenDeps,
  ctx: EventContext,
  user: User,
  req: CliTokenRequest,
): Promise<CliToken> {
  const now = deps.clock.now();
  if (req.grant !== "cli-session") checkTokenGrant(req.grant, user.id, req);
  checkExpiryDays(req.expiresInDays);
  const expiresAt = req.expiresInDays === null ? null : now + req.expiresInDays * DAY;
  const cidrs = normalizeCidrs(req.cidrs ?? []);
  const mine = await projectsOfUser(deps.db, user.id);
  const names = (req.projectIds ?? []).map((id) => {
    const p = mine.find((m) => m.projectId === id);
    if (!p) throw tokenErrors.PROJECT_NOT_YOURS();
    return p.name;
  });
  const scope = [...names, ...(req.npmScopes ?? [])];
  const created = await transaction(deps.db, async (tx) => {
    const created = await insertToken(tx, now, {
      userId: user.id,
      name: req.name,
      projectIds: req.projectIds,
      expiresAt,
      issuedBy: "user",
    });
    await tx
      .updateTable("api_tokens")
      .set({
        readonly: req.readonly ? 1 : 0,
        bypass_2fa: req.bypass2fa ? 1 : 0,
        cidr_whitelist: cidrs.length ? JSON.stringify(cidrs) : null,
        npm_scopes: req.npmScopes?.length ? JSON.stringify(req.npmScopes) : null,
      })
      .where("id", "=", created.id)
      .execute();
    await recordEvent(tx, now, ctx, {
      type: "token.created",
      userId: user.id,
      data: {
        name: req.name.trim(),
        tokenId: created.id,
        scope: scope.length ? scope : "account",
        via: req.via,
        ...(req.readonly ? { readonly: true } : {}),
        ...(req.bypass2fa ? { bypass2fa: true } : {}),
        ...(cidrs.length ? { cidrs } : {}),
      },
      notify: {
        to: user.email,
        template: mails.cliTokenCreated,
        vars: {
          username: user.username,
          name: req.name.trim(),
          via: req.via,
          scope,
          readonly: Boolean(req.readonly),
          bypass2fa: Boolean(req.bypass2fa),
        },
      },
    });
    return created;
  });
  return { token: created.token, id: created.id, createdAt: now, expiresAt };
}

/** The npm-specific options of a user's tokens, by token id, for `npm token list`. */
export async function tokenOptions(
  deps: Pick<Deps, "db">,
  userId: string,
): Promise<Map<string, { readonly: boolean; cidrs: string[] | null; bypass2fa: boolean }>> {
  const rows = await deps.db
    .selectFrom("api_tokens")
    .select(["id", "readonly", "cidr_whitelist", "bypass_2fa"])
    .where("user_id", "=", userId)
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        readonly: r.readonly === 1,
        cidrs: r.cidr_whitelist ? (JSON.parse(r.cidr_whitelist) as string[]) : null,
        bypass2fa: r.bypass_2fa === 1,
      },
    ]),
  );
}

/** A token of `userId` given either its id or its full secret (npm token revoke accepts both). */
export async function findUserTokenId(
  deps: Pick<Deps, "db">,
  userId: string,
  idOrToken: string,
): Promise<string | null> {
  const all = await listTokens(deps.db, userId);
  const byId = all.find((t) => t.id === idOrToken);
  if (byId) return byId.id;
  const m = /^wharf_([A-Za-z0-9_-]{12})/.exec(idOrToken);
  if (!m) return null;
  const row = await deps.db
    .selectFrom("api_tokens")
    .select("id")
    .where("lookup", "=", m[1]!)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.id ?? null;
}
