import { getUserByUsername, inSudo, type Session, type User } from "../accounts/index.js";
import type { Grant } from "../authz/index.js";
import { type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { DAY } from "../lib/clock.js";
import { AppError } from "../lib/errors.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/tokens.js";
import { projectsOfUser } from "../packages/index.js";
import { tokenErrors } from "./errors.js";
import { checkExpiryDays, checkScopeChosen } from "./rules.js";
import { insertToken, listTokens, markRevoked } from "./store.js";

type TokenDeps = Pick<Deps, "db" | "clock" | "mailer" | "log"> & {
  config: Pick<Deps["config"], "siteName" | "origin">;
};

export interface TokenRequest {
  name: string;
  /** null = the whole account; otherwise ids of projects the user maintains. */
  projectIds: string[] | null;
  expiresInDays: number | null;
}

function expiry(now: number, days: number | null): number | null {
  checkExpiryDays(days);
  return days === null ? null : now + days * DAY;
}

async function checkProjects(
  deps: TokenDeps,
  userId: string,
  projectIds: string[] | null,
): Promise<string[]> {
  checkScopeChosen(projectIds);
  if (projectIds === null) return [];
  const mine = await projectsOfUser(deps.db, userId);
  const names: string[] = [];
  for (const id of projectIds) {
    const p = mine.find((m) => m.projectId === id);
    if (!p) throw tokenErrors.PROJECT_NOT_YOURS();
    names.push(p.name);
  }
  return names;
}

/**
 * The grant must be authorizeTokenCreation()'s answer for this user and exactly this token: mandates
 * gate a token by what it can write (issue 13, item 7), so a grant for one scope never mints another.
 */
export function checkTokenGrant(
  grant: Grant,
  userId: string,
  want: { projectIds: string[] | null; npmScopes?: string[]; readonly?: boolean },
): void {
  grant.require("create-token", null);
  const same = (a: string[] | null, b: string[] | null) =>
    a === b || (a !== null && b !== null && [...a].sort().join(",") === [...b].sort().join(","));
  const g = grant.token;
  if (
    grant.actor.userId !== userId ||
    !g ||
    !same(g.projectIds, want.projectIds) ||
    !same(g.npmScopes, want.npmScopes ?? []) ||
    g.readonly !== Boolean(want.readonly)
  )
    throw tokenErrors.GRANT_MISMATCH();
}

/**
 * Creating a token is creating a credential that bypasses the second factor (twine cannot send one),
 * so it needs a fresh re-authentication (sudo) and a verified email, and the owner is told by mail.
 */
export async function createUserToken(
  deps: TokenDeps,
  ctx: EventContext,
  user: User,
  session: Session,
  req: TokenRequest,
  grant: Grant,
): Promise<string> {
  const now = deps.clock.now();
  if (!user.emailVerified) throw tokenErrors.EMAIL_UNVERIFIED();
  if (!inSudo(session, now)) throw tokenErrors.SUDO_REQUIRED();
  const names = await checkProjects(deps, user.id, req.projectIds);
  checkTokenGrant(grant, user.id, { projectIds: req.projectIds });
  const expiresAt = expiry(now, req.expiresInDays);
  const { token, id } = await transaction(deps.db, async (tx) => {
    const created = await insertToken(tx, now, {
      userId: user.id,
      name: req.name,
      projectIds: req.projectIds,
      expiresAt,
      issuedBy: "user",
    });
    await recordEvent(tx, now, ctx, {
      type: "token.created",
      userId: user.id,
      data: { name: req.name.trim(), tokenId: created.id, scope: names.length ? names : "account" },
      notify: {
        to: user.email,
        template: mails.tokenCreated,
        vars: { username: user.username, name: req.name.trim(), projects: names },
      },
    });
    return created;
  });
  void id;
  return token;
}

export async function revokeUserToken(
  deps: TokenDeps & Pick<Deps, "changes">,
  ctx: EventContext,
  user: User,
  tokenId: string,
): Promise<void> {
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const before = (await listTokens(tx, user.id, { id: tokenId }))[0];
    const t = await markRevoked(tx, now, user.id, tokenId);
    // Revoking an already revoked token is a no-op: no second event, no second email.
    if (before && before.revokedAt !== null) return;
    await recordEvent(tx, now, ctx, {
      type: "token.revoked",
      userId: user.id,
      data: { name: t.name, tokenId },
      notify: {
        to: user.email,
        template: mails.tokenRevoked,
        vars: { username: user.username, name: t.name },
      },
    });
  });
  // After commit: every instance drops the token from its cache of verified tokens (cache.ts).
  await deps.changes.publishToken({ tokenId });
}

/**
 * Names are unique per user, and a script issuing two tokens within one second (a CI set-up, the
 * e2e harness) must get both: the second is "<base> (2)", and so on.
 */
async function freeAdminName(tx: Tx, userId: string, base: string): Promise<string> {
  const rows = await tx
    .selectFrom("api_tokens")
    .select("name")
    .where("user_id", "=", userId)
    .where("name", "like", `${base}%`)
    .execute();
  const taken = new Set(rows.map((r) => r.name));
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
  return name;
}

/** `wharf token create`: an operator bootstraps automation; recorded as admin-issued. */
export async function issueAdminToken(
  deps: TokenDeps,
  username: string,
  projectNames: string[],
  expiresInDays: number | null,
  /** Rows that must commit with the token or not at all (the CLI's audit entry). */
  alsoInTransaction?: (tx: Tx, issued: { tokenId: string; name: string }) => Promise<void>,
): Promise<string> {
  const now = deps.clock.now();
  const user = await getUserByUsername(deps.db, username);
  if (!user) throw tokenErrors.NOT_FOUND(`No user named '${username}'.`);
  let projectIds: string[] | null = null;
  if (projectNames.length) {
    const mine = await projectsOfUser(deps.db, user.id);
    projectIds = projectNames.map((n) => {
      const p = mine.find((m) => m.name.toLowerCase() === n.toLowerCase());
      if (!p) throw tokenErrors.PROJECT_NOT_YOURS(`'${username}' has no role on a project named '${n}'.`);
      return p.projectId;
    });
  }
  const expiresAt = expiry(now, expiresInDays);
  const { token } = await transaction(deps.db, async (tx) => {
    const name = await freeAdminName(
      tx,
      user.id,
      `admin-issued ${new Date(now).toISOString().slice(0, 19)}Z`,
    );
    const created = await insertToken(tx, now, {
      userId: user.id,
      name,
      projectIds,
      expiresAt,
      issuedBy: "admin",
    });
    await recordEvent(
      tx,
      now,
      { ip: "cli", userAgent: "wharf token create" },
      {
        type: "token.created",
        userId: user.id,
        data: {
          name,
          tokenId: created.id,
          by: "operator",
          scope: projectNames.length ? projectNames : "account",
        },
        notify: { to: user.email, template: mails.operatorToken, vars: { username: user.username, name } },
      },
    );
    await alsoInTransaction?.(tx, { tokenId: created.id, name });
    return created;
  });
  return token;
}
