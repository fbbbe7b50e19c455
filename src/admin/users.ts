import { sql } from "kysely";
import {
  accountErrors,
  getUserByUsername,
  listSessions,
  revokeAllSessions,
  type User,
} from "../accounts/index.js";
import { type DbExecutor, type Tx, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import {
  countUserEvents,
  type EventType,
  lastSignIn,
  listUserEvents,
  recordEvent,
  type SecurityEvent,
} from "../events/index.js";
import {
  type ActorStrength,
  actorStrengths,
  type FactorSummary,
  factorSummary,
  forgetBrowsers,
  resetMfa,
} from "../mfa/index.js";
import * as mails from "../notify/templates/admin.js";
import { projectsOfUser, type Role } from "../packages/index.js";
import { emailDomain, isAbandoned, openRequestOf, type RecoveryRequest } from "../recovery/index.js";
import { revokeAllTokens } from "../tokens/index.js";
import { type AuditActor, recordAudit } from "./audit.js";
import { consoleErrors } from "./console-errors.js";
import { adminErrors, requireReason } from "./errors.js";
import { likeContains } from "./like.js";

const mfaOf = (s: ActorStrength | undefined): UserRow["mfa"] =>
  s?.phishingResistant ? "key" : s?.any ? "totp" : "none";

export const USER_SEARCH_LIMIT = 50;
export const USER_EVENTS_SHOWN = 20;

/** The strongest second factor an account has: what a mandate or the console guard would ask about. */
export type MfaState = "none" | "totp" | "key";

export interface UserRow {
  id: string;
  username: string;
  email: string;
  emailVerified: boolean;
  isAdmin: boolean;
  isFrozen: boolean;
  createdAt: number;
  mfa: MfaState;
}

/** `%`, `_` and `\` match literally: usernames contain `_`, and a search must not become a pattern. */

/** A position in the newest-first user list: the (created_at, id) of the row a page starts after. */
export interface UserCursor {
  /** "next": older rows than the cursor; "prev": newer ones (the page before). */
  dir: "next" | "prev";
  createdAt: number;
  id: string;
}

/** `?after=<ms>.<id>` / `?before=<ms>.<id>` as the page's links write them; anything else is page one. */
export function parseUserCursor(after: string, before: string): UserCursor | null {
  const raw = after || before;
  const m = /^(\d{1,15})\.([\w-]{1,64})$/.exec(raw);
  if (!m) return null;
  return { dir: after ? "next" : "prev", createdAt: Number(m[1]), id: m[2] as string };
}

export const userCursor = (u: Pick<UserRow, "createdAt" | "id">): string => `${u.createdAt}.${u.id}`;

/**
 * Accounts whose username or email contains `query` (compared in the canonical forms uniqueness is
 * decided on), newest first, USER_SEARCH_LIMIT a page. An empty query lists the newest accounts.
 *
 * Keyset pages on (created_at, id) (index from migration 022): page 2,000 of 100k accounts costs what
 * page one costs, where an OFFSET would read and drop every row before it. `limit + 1` rows say whether
 * there is a further page in the direction read.
 */
export async function searchUsers(
  db: DbExecutor,
  query: string,
  cursor: UserCursor | null = null,
): Promise<{ users: UserRow[]; hasNewer: boolean; hasOlder: boolean }> {
  const q = query.trim().normalize("NFKC").toLowerCase().slice(0, 254);
  let select = db
    .selectFrom("users")
    .select(["id", "username", "email", "email_verified_at", "is_admin", "is_frozen", "created_at"]);
  if (q) {
    const pattern = likeContains(q);
    select = select.where(
      (eb) =>
        sql<boolean>`(${eb.ref("username_canonical")} like ${pattern} escape '\\' or ${eb.ref("email_canonical")} like ${pattern} escape '\\')`,
    );
  }
  const older = !cursor || cursor.dir === "next";
  if (cursor) {
    const op = older ? "<" : ">";
    select = select.where((eb) =>
      eb.or([
        eb("created_at", op, cursor.createdAt),
        eb.and([eb("created_at", "=", cursor.createdAt), eb("id", op, cursor.id)]),
      ]),
    );
  }
  const order = older ? "desc" : "asc";
  const fetched = await select
    .orderBy("created_at", order)
    .orderBy("id", order)
    .limit(USER_SEARCH_LIMIT + 1)
    .execute();
  const more = fetched.length > USER_SEARCH_LIMIT;
  const page = fetched.slice(0, USER_SEARCH_LIMIT);
  const rows = older ? page : page.reverse();
  const hasOlder = older ? more : true;
  const hasNewer = older ? cursor !== null : more;
  const ids = rows.map((r) => r.id);
  const strengths = await actorStrengths(db, ids);
  const users = rows.map(
    (r): UserRow => ({
      id: r.id,
      username: r.username,
      email: r.email,
      emailVerified: r.email_verified_at !== null,
      isAdmin: r.is_admin === 1,
      isFrozen: r.is_frozen === 1,
      createdAt: r.created_at,
      mfa: mfaOf(strengths.get(r.id)),
    }),
  );
  return { users, hasNewer, hasOlder };
}

export interface UserDetail {
  user: User;
  factors: FactorSummary;
  openSessions: number;
  activeTokens: number;
  projects: Array<{ projectId: string; name: string; ecosystem: string; role: Role }>;
  /** A page of events, newest first (USER_EVENTS_SHOWN), and the cursor of the next older page. */
  events: SecurityEvent[];
  olderEvents: string | null;
  eventCounts: Array<{ type: EventType; label: string; count: number }>;
  lastSignIn: number | null;
  openRecovery: RecoveryRequest | null;
  domain: string;
  domainAbandoned: boolean;
}

export async function findUser(deps: Pick<Deps, "db">, username: string): Promise<User> {
  const user = username.length <= 100 ? await getUserByUsername(deps.db, username) : null;
  if (!user) throw accountErrors.USER_NOT_FOUND();
  return user;
}

const EVENT_ID = /^[0-9a-f]{1,64}$/;

/** Everything the console's account page shows; `eventsBefore` pages back through the events. */
export async function userDetail(deps: Deps, username: string, eventsBefore = ""): Promise<UserDetail> {
  const user = await findUser(deps, username);
  const now = deps.clock.now();
  const policy = { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };
  const before = EVENT_ID.test(eventsBefore) ? eventsBefore : undefined;
  const [factors, sessions, tokens, projects, fetched, domainAbandoned, counts, signedIn, recovery] =
    await Promise.all([
      factorSummary(deps.db, user.id),
      listSessions(deps.db, now, policy, user.id),
      deps.db
        .selectFrom("api_tokens")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("user_id", "=", user.id)
        .where("revoked_at", "is", null)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
        .executeTakeFirstOrThrow(),
      projectsOfUser(deps.db, user.id),
      // One more than a page: its presence says there is an older page.
      listUserEvents(deps.db, user.id, 0, USER_EVENTS_SHOWN + 1, before),
      isAbandoned(deps.db, user.email),
      countUserEvents(deps.db, user.id),
      lastSignIn(deps.db, user.id),
      openRequestOf(deps.db, user.id),
    ]);
  const events = fetched.slice(0, USER_EVENTS_SHOWN);
  return {
    user,
    factors,
    openSessions: sessions.length,
    activeTokens: Number(tokens.n),
    projects,
    events,
    olderEvents: fetched.length > USER_EVENTS_SHOWN ? (events.at(-1)?.id ?? null) : null,
    eventCounts: counts,
    lastSignIn: signedIn,
    openRecovery: recovery,
    domain: emailDomain(user.email),
    domainAbandoned,
  };
}

// The user's security history shows operator actions without the operator's IP address (the audit
// log keeps it): an operator's network is none of an account holder's business.
const NO_IP = {};

function notYourself(actor: AuditActor, user: User): void {
  if (actor.id === user.id) throw adminErrors.NOT_YOURSELF();
}

/** Frozen accounts cannot sign in or use API tokens; their sessions end now. */
export async function freezeUser(deps: Deps, actor: AuditActor, username: string, rawReason: string) {
  const reason = requireReason(rawReason);
  const user = await findUser(deps, username);
  notYourself(actor, user);
  const now = deps.clock.now();
  const sessionsEnded = await transaction(deps.db, async (tx) => {
    // Compare-and-swap: of two admins freezing at once, one freezes and the other is told.
    const r = await tx
      .updateTable("users")
      .set({ is_frozen: 1 })
      .where("id", "=", user.id)
      .where("is_frozen", "=", 0)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) throw consoleErrors.ALREADY_FROZEN();
    const ended = await revokeAllSessions(tx, now, user.id);
    const data = { reason, by: actor.name, sessionsEnded: ended };
    // The owner hears of it through another channel (ASVS v5 6.3.7).
    await recordEvent(tx, now, NO_IP, {
      type: "account.frozen",
      userId: user.id,
      data,
      notify: { to: user.email, template: mails.frozen, vars: { username: user.username, reason } },
    });
    await recordAudit(tx, now, actor, {
      action: "user.freeze",
      targetType: "user",
      target: user.username,
      reason,
      data: { sessionsEnded: ended },
    });
    return ended;
  });
  // A frozen account's tokens stop working on every instance now, not when their cache entries age out.
  await deps.changes.publishToken({ userId: user.id });
  return { sessionsEnded };
}

export async function unfreezeUser(deps: Deps, actor: AuditActor, username: string, rawReason: string) {
  const reason = requireReason(rawReason);
  const user = await findUser(deps, username);
  const now = deps.clock.now();
  await transaction(deps.db, async (tx) => {
    const r = await tx
      .updateTable("users")
      .set({ is_frozen: 0 })
      .where("id", "=", user.id)
      .where("is_frozen", "=", 1)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) throw consoleErrors.NOT_FROZEN();
    await recordEvent(tx, now, NO_IP, {
      type: "account.unfrozen",
      userId: user.id,
      data: { reason, by: actor.name },
      // The owner hears of it through another channel (ASVS v5 6.3.7).
      notify: { to: user.email, template: mails.unfrozen, vars: { username: user.username, reason } },
    });
    await recordAudit(tx, now, actor, {
      action: "user.unfreeze",
      targetType: "user",
      target: user.username,
      reason,
    });
  });
}

/** Ends every session, revokes every API token and forgets every remembered browser. */
export async function revokeCredentials(deps: Deps, actor: AuditActor, username: string, rawReason: string) {
  const reason = requireReason(rawReason);
  const user = await findUser(deps, username);
  const now = deps.clock.now();
  const counts = await transaction(deps.db, async (tx) => {
    const sessions = await revokeAllSessions(tx, now, user.id);
    const tokens = await revokeAllTokens(tx, now, user.id);
    // A remembered browser skips the second factor: after a suspected compromise it must not.
    const browsers = await forgetBrowsers(tx, now, user.id);
    if (sessions + tokens + browsers === 0) throw consoleErrors.NOTHING_TO_REVOKE();
    const c = { sessions, tokens, browsers };
    await recordEvent(tx, now, NO_IP, {
      type: "account.signed_out_everywhere",
      userId: user.id,
      data: { reason, by: actor.name, ...c },
      // The owner hears of it through another channel (ASVS v5 6.3.7).
      notify: {
        to: user.email,
        template: mails.signedOutEverywhere,
        vars: { username: user.username, reason },
      },
    });
    await recordAudit(tx, now, actor, {
      action: "user.revoke_credentials",
      targetType: "user",
      target: user.username,
      reason,
      data: c,
    });
    return c;
  });
  await deps.changes.publishToken({ userId: user.id });
  return counts;
}

/** Removes every factor through the operator reset the CLI uses (sessions end, the user is mailed). */
export async function resetUserMfa(deps: Deps, actor: AuditActor, username: string, rawReason: string) {
  const reason = requireReason(rawReason);
  const user = await findUser(deps, username);
  notYourself(actor, user);
  const factors = await factorSummary(deps.db, user.id);
  if (!factors.enrolled && factors.recoveryCodesRemaining === 0) throw consoleErrors.NO_FACTORS();
  const removed = {
    totp: factors.totp !== null,
    keys: factors.keys.length,
    recoveryCodes: factors.recoveryCodesRemaining,
  };
  const audit = (tx: Tx) =>
    recordAudit(tx, deps.clock.now(), actor, {
      action: "user.reset_mfa",
      targetType: "user",
      target: user.username,
      reason,
      data: removed,
    });
  if (!(await resetMfa(deps, user.username, reason, actor.name, audit))) throw accountErrors.USER_NOT_FOUND();
  return removed;
}
