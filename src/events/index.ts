import { type Db, type DbExecutor, transaction } from "../db/index.js";
import { newId } from "../lib/ids.js";
import { type Notification, queueNotification, type Template } from "../notify/index.js";

export { COALESCE_WINDOW, claimMailSlot } from "../notify/index.js";

/** Every kind of security event. Adding a type here is how a feature joins the history page. */
export const EVENT_TYPES = {
  "account.created": "Account created",
  "account.registration_attempt": "Someone tried to register a new account with this email address",
  "login.success": "Signed in",
  "login.failure": "Failed sign-in attempt",
  logout: "Signed out",
  "password.changed": "Password changed",
  "password.reset_requested": "Password reset requested",
  "password.reset": "Password reset by email link",
  "email.verified": "Email address verified",
  "email.change_requested": "Email change requested",
  "email.changed": "Email address changed",
  // A reset, verification or email-change link was not mailed: the address's domain is abandoned.
  "mail.refused_abandoned_domain":
    "Mail with an account link not sent: the email domain was marked abandoned",
  "session.revoked": "Session signed out remotely",
  "sudo.entered": "Confirmed password for a sensitive action",
  "mfa.totp_added": "Authenticator app added",
  "mfa.totp_removed": "Authenticator app removed",
  "mfa.key_added": "Security key added",
  "mfa.key_removed": "Security key removed",
  "mfa.key_renamed": "Security key renamed",
  "mfa.recovery_codes_generated": "Recovery codes generated",
  "mfa.recovery_code_used": "Recovery code used",
  "mfa.totp_replay": "Reused authenticator code refused",
  "mfa.failure": "Failed second-factor attempt",
  "mfa.failures_burst": "Many failed second-factor attempts",
  "mfa.counter_regression": "Security key counter went backwards (possible clone)",
  "mfa.checkup": "Confirmed recovery options (checkup)",
  "mfa.reset": "Two-factor authentication reset by an operator",
  "remembered_browser.created": "Browser remembered: no second factor asked there for 30 days",
  "remembered_browser.revoked": "Remembered browser forgotten",
  "project.mfa_requirement": "Project two-factor requirement changed",
  "project.stage_requirement": "Project rule for staging token uploads changed",
  "giveaway.claimed": "Claimed a security-key promo code",
  "token.created": "API token created",
  "token.revoked": "API token revoked",
  // tokens/leaked.ts: found in public by a secret scanner (GitHub) or reported to an operator.
  "token.leaked": "API token found in public and revoked",
  "project.created": "Project created",
  "role.invited": "Invited to a project",
  "role.added": "Joined a project",
  "role.declined": "Declined a project invitation",
  "role.removed": "Removed from a project",
  "release.created": "Release published",
  "file.uploaded": "File uploaded",
  "release.yanked": "Release yanked",
  "release.unyanked": "Release un-yanked",
  "release.deleted": "Release deleted",
  "file.deleted": "File deleted",
  // Staged releases (staging/, issue 16 item 5): uploaded by a machine, published by a person.
  "release.staged": "Release staged for approval",
  "release.approved": "Staged release approved",
  "release.rejected": "Staged release rejected",
  "release.stage_expired": "Staged release expired",
  // npm (protocols/npm): deprecations, dist-tags, the per-package 2FA rule and the CLI's 2FA mode.
  "release.deprecated": "Release deprecated",
  "release.undeprecated": "Release un-deprecated",
  "dist_tag.set": "Dist-tag set",
  "dist_tag.removed": "Dist-tag removed",
  // Written by npm access set mfa= before 014 merged it into project.mfa_requirement; old rows still render.
  "project.mfa_requirement_changed": "Two-factor requirement for publishing changed",
  "mfa.npm_mode_changed": "npm two-factor mode changed",
  "cli.web_auth_confirmed": "Command-line request confirmed in the browser",
  // Criticality (criticality/compute.ts): designations by the daily job or an admin, with the reason.
  "project.critical": "Project designated critical",
  "project.not_critical": "Project no longer critical",
  // Operator console (src/admin): what the project's owners should see in its history.
  "project.upload_limit_changed": "Upload size limit changed by an operator",
  // Account recovery (src/recovery): the account's history shows every step, also to the real owner.
  "recovery.requested": "Account recovery requested (email confirmed)",
  "recovery.refused": "Account recovery refused",
  "recovery.waiting": "Account recovery waiting period started",
  "recovery.queued": "Account recovery sent to the operators for review",
  "recovery.approved": "Account recovery approved by an operator",
  "recovery.denied": "Account recovery denied by an operator",
  "recovery.cancelled": "Account recovery cancelled",
  "recovery.stop_refused": "Wrong code entered to stop an account recovery",
  "recovery.moved": "Account recovery moved to another browser with the email link",
  "recovery.completed": "Account recovered: factors reset, sessions and tokens revoked",
  // Operator actions on an account (src/admin); the admin audit log has the operator's side.
  "account.frozen": "Account frozen by an operator",
  "account.unfrozen": "Account unfrozen by an operator",
  "account.signed_out_everywhere": "All sessions and API tokens revoked by an operator",
  // npm scopes (packages/scopes.ts): who may create packages under @scope.
  "scope.claimed": "Claimed an npm scope by publishing into it first",
  "scope.owner_added": "Made an owner of an npm scope",
  "scope.owner_removed": "Removed as an owner of an npm scope",
  // Trusted publishing (src/trusted-publishing): CI publishing with its provider's OIDC token.
  "trusted_publisher.added": "Trusted publisher added",
  "trusted_publisher.removed": "Trusted publisher removed",
  "trusted_publisher.first_used": "Trusted publisher used for the first time",
  "trusted_publisher.project_created": "Project created by a pending trusted publisher",
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export interface EventContext {
  ip?: string;
  userAgent?: string;
}

export interface NewEvent<V = unknown> {
  type: EventType;
  userId?: string | null;
  projectId?: string | null;
  data?: Record<string, unknown>;
  /**
   * The mail (or mails, to several addresses) that tells someone of this event, queued in the same
   * transaction (notify/outbox.ts) and sent after commit.
   */
  notify?: EventMail<V> | EventMail<V>[];
}

/** `once`: at most one such mail per account and event type per window (notify/once.ts). */
export type EventMail<V> = Omit<Notification<V>, "once"> & { once?: boolean };

/** One mail of an event that sends several different ones: checks template and vars, then erases V. */
export function eventMail<V>(to: string, template: Template<V>, vars: V): EventMail<unknown> {
  return { to, template: template as Template<unknown>, vars };
}

export interface SecurityEvent {
  id: string;
  type: EventType;
  label: string;
  createdAt: number;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
}

/**
 * The one way to write to the append-only event log. Pass the transaction that made the change, so
 * the event (and the mail it names, if any) commits with it or not at all.
 */
export async function recordEvent<V>(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  event: NewEvent<V>,
): Promise<void> {
  const mails = event.notify === undefined ? [] : [event.notify].flat();
  if (mails.length) {
    // The event and its mail are one unit: on the bare database they get a transaction of their own.
    if (!db.isTransaction) return transaction(db as Db, (tx) => recordEvent(tx, now, ctx, event));
    for (const { once, ...mail } of mails)
      await queueNotification(db, now, event.userId ?? null, {
        ...mail,
        once: once ? event.type : undefined,
      });
  }
  await db
    .insertInto("events")
    .values({
      id: newId(now),
      user_id: event.userId ?? null,
      project_id: event.projectId ?? null,
      type: event.type,
      created_at: now,
      ip: ctx.ip ?? null,
      user_agent: ctx.userAgent?.slice(0, 400) ?? null,
      data: JSON.stringify(event.data ?? {}),
    })
    .execute();
}

/** A project's history, newest first. */
export async function listProjectEvents(
  db: DbExecutor,
  projectId: string,
  limit = 200,
): Promise<SecurityEvent[]> {
  const rows = await db
    .selectFrom("events")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/**
 * The key events say "Security key" by type; a passkey is recorded with `kind: "passkey"` and must read
 * as a passkey (it signs in without the password, which a security key does not).
 */
const PASSKEY_LABELS: Partial<Record<EventType, string>> = {
  "mfa.key_added": "Passkey added",
  "mfa.key_removed": "Passkey removed",
  "mfa.key_renamed": "Passkey renamed",
};

function labelOf(type: EventType, data: Record<string, unknown>): string {
  if (data.kind === "passkey" && PASSKEY_LABELS[type]) return PASSKEY_LABELS[type];
  return EVENT_TYPES[type] ?? type;
}

function toEvent(r: {
  id: string;
  type: string;
  created_at: number;
  ip: string | null;
  user_agent: string | null;
  data: string;
}): SecurityEvent {
  const data = JSON.parse(r.data) as Record<string, unknown>;
  return {
    id: r.id,
    type: r.type as EventType,
    label: labelOf(r.type as EventType, data),
    createdAt: r.created_at,
    ip: r.ip,
    userAgent: r.user_agent,
    data,
  };
}

/**
 * A user's history since `since` (the security-history page shows 90 days), newest first; `before`
 * (an event id) pages back from there.
 */
export async function listUserEvents(
  db: DbExecutor,
  userId: string,
  since: number,
  limit = 500,
  before?: string,
): Promise<SecurityEvent[]> {
  let q = db.selectFrom("events").selectAll().where("user_id", "=", userId).where("created_at", ">=", since);
  if (before) q = q.where("id", "<", before);
  const rows = await q.orderBy("id", "desc").limit(limit).execute();
  return rows.map(toEvent);
}

/** How many events of each kind a user's history holds, most frequent first (the console's summary). */
export async function countUserEvents(
  db: DbExecutor,
  userId: string,
): Promise<Array<{ type: EventType; label: string; count: number }>> {
  const rows = await db
    .selectFrom("events")
    .select(["type", (eb) => eb.fn.countAll<number>().as("n")])
    .where("user_id", "=", userId)
    .groupBy("type")
    .execute();
  return rows
    .map((r) => ({ type: r.type as EventType, label: labelOf(r.type as EventType, {}), count: Number(r.n) }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/** When the user last signed in (any method, any client), or null. */
export async function lastSignIn(db: DbExecutor, userId: string): Promise<number | null> {
  const r = await db
    .selectFrom("events")
    .select("created_at")
    .where("user_id", "=", userId)
    .where("type", "=", "login.success")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return r?.created_at ?? null;
}
