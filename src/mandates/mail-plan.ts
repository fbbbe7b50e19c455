import type { DbExecutor } from "../db/index.js";
import { DAY } from "../lib/clock.js";
import { type ActorStrength, actorStrengths, meets } from "../mfa/index.js";
import { projectInCohort } from "./cohorts.js";
import type { MandateShape, Phase } from "./store.js";

export type { MandateShape };

/*
 * Who a mandate mails, with which template, in which phase: ONE set of functions used by the sender
 * (notices.ts) and by the rollout simulation (simulate.ts), so the forecast an operator reads before
 * announcing a mandate is the mail the phases then send (issue 13 item 5).
 */

/** twine shows nothing on success: during warn an upload earns a mail, at most one per mandate per 14 days. */
export const WARN_MAIL_EVERY = 14 * DAY;

export type MandateMailKind = "notice" | "enforce";

/**
 * The once-per-person mail of a phase. Notice and warn send the notice (a mandate created straight
 * into warn still announces itself; warn's own mail follows uploads, see warnMailDue); enforce sends
 * the enforcement-start mail instead, since a notice then would announce what already happened.
 */
export function phaseMail(phase: Phase): MandateMailKind | null {
  return phase === "notice" || phase === "warn" ? "notice" : phase === "enforce" ? "enforce" : null;
}

/** The warn phase's rule: a reminder after an upload unless one went out less than 14 days ago. */
export const warnMailDue = (lastSentAt: number | null, now: number) =>
  lastSentAt === null || now - lastSentAt >= WARN_MAIL_EVERY;

export interface Recipient {
  userId: string;
  username: string;
  email: string;
  /** Mandate mail goes only to verified addresses; the others see banners and refusals only. */
  verified: boolean;
  /** Covered project names, or ["*"] for the all-users cohort. */
  projects: string[];
  projectIds: string[];
}

export interface AudienceOptions {
  /** A simulated critical cohort: these project ids instead of today's designations. */
  critical?: ReadonlySet<string>;
  /**
   * A simulated set of ecosystems (a mandate names one or all): only their projects. A draft over two
   * of the three would otherwise count the third's maintainers.
   */
  ecosystems?: readonly string[];
  /** Leaves out people already sent `kind` for this stored mandate (mandate_notices). */
  unmailed?: { mandateId: string; kind: string };
}

/**
 * The people a mandate asks to act at `now`: active (not frozen) maintainers of covered projects —
 * every active user for the all-users cohort — who lack the required strength, with the projects it
 * covers for each. Reads only.
 */
export async function mandateAudience(
  db: DbExecutor,
  m: MandateShape,
  now: number,
  opts: AudienceOptions = {},
): Promise<Recipient[]> {
  return (await coveredPeople(db, m, now, opts)).filter((p) => !meets(p.strength, m.strength));
}

export type Covered = Recipient & { strength: ActorStrength };

/** Everyone a mandate covers at `now`, compliant or not, with their second-factor strength. */
export async function coveredPeople(
  db: DbExecutor,
  m: MandateShape,
  now: number,
  opts: AudienceOptions = {},
): Promise<Covered[]> {
  const people = new Map<string, Recipient>();
  const unmailed = opts.unmailed;
  if (m.cohort === "all-users") {
    let q = db
      .selectFrom("users")
      .select(["users.id", "users.username", "users.email", "users.email_verified_at"])
      .where("users.is_frozen", "=", 0);
    if (unmailed) q = q.where("users.id", "not in", mailed(db, unmailed));
    for (const u of await q.execute()) people.set(u.id, recipient(u, ["*"], []));
  } else {
    let q = db
      .selectFrom("roles")
      .innerJoin("projects", "projects.id", "roles.project_id")
      .innerJoin("users", "users.id", "roles.user_id")
      .select([
        "users.id",
        "users.username",
        "users.email",
        "users.email_verified_at",
        "projects.id as project_id",
        "projects.name",
        "projects.ecosystem",
        "projects.normalized_name",
        "projects.critical_since",
      ])
      .where("users.is_frozen", "=", 0);
    if (m.ecosystem) q = q.where("projects.ecosystem", "=", m.ecosystem);
    if (opts.ecosystems) q = q.where("projects.ecosystem", "in", [...opts.ecosystems]);
    if (m.cohort === "critical" && !opts.critical) q = q.where("projects.critical_since", "is not", null);
    if (m.cohort === "projects")
      q = q.where(
        "projects.normalized_name",
        "in",
        m.projects.map((p) => p.toLowerCase()),
      );
    if (unmailed) q = q.where("users.id", "not in", mailed(db, unmailed));
    const covered = new Map<string, boolean>();
    for (const r of await q.orderBy("projects.name").execute()) {
      let yes = covered.get(r.project_id);
      if (yes === undefined) {
        yes = await projectInCohort(
          db,
          m,
          {
            id: r.project_id,
            ecosystem: r.ecosystem,
            normalizedName: r.normalized_name,
            criticalSince: r.critical_since,
            requireMfa: "none",
          },
          now,
          opts.critical,
        );
        covered.set(r.project_id, yes);
      }
      if (!yes) continue;
      const p = people.get(r.id) ?? recipient(r, [], []);
      p.projects.push(r.name);
      p.projectIds.push(r.project_id);
      people.set(r.id, p);
    }
  }
  const out: Covered[] = [];
  const strengths = await actorStrengths(db, [...people.keys()]);
  for (const p of people.values()) out.push({ ...p, strength: strengths.get(p.userId)! });
  return out.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}

/** The people already sent `kind` for a mandate: a run after the mail went out reads almost nothing. */
const mailed = (db: DbExecutor, u: { mandateId: string; kind: string }) =>
  db
    .selectFrom("mandate_notices")
    .select("mandate_notices.user_id")
    .where("mandate_notices.mandate_id", "=", u.mandateId)
    .where("mandate_notices.kind", "=", u.kind);

const recipient = (
  u: { id: string; username: string; email: string; email_verified_at: number | null },
  projects: string[],
  projectIds: string[],
): Recipient => ({
  userId: u.id,
  username: u.username,
  email: u.email,
  verified: u.email_verified_at !== null,
  projects,
  projectIds,
});

/**
 * The warn-phase mails `recipients` would get had they uploaded during warn as they did in
 * [from, to): the sender's rule (warnMailDue) replayed over their PyPI uploads to covered projects
 * (npm and gem show the warning in the client, so npm publishes and gem pushes mail nobody). An estimate from recent
 * activity, not a bound: people who did not upload then may upload during warn.
 */
export async function replayWarnMails(
  db: DbExecutor,
  recipients: Recipient[],
  from: number,
  to: number,
): Promise<{ mails: number; uploaders: number }> {
  let mails = 0;
  let uploaders = 0;
  for (const r of recipients) {
    if (!r.verified) continue;
    let q = db
      .selectFrom("files")
      .innerJoin("projects", "projects.id", "files.project_id")
      .select("files.uploaded_at")
      .where("files.uploaded_by", "=", r.userId)
      .where("projects.ecosystem", "=", "pypi")
      .where("files.uploaded_at", ">=", from)
      .where("files.uploaded_at", "<", to);
    if (r.projects[0] !== "*") {
      if (r.projectIds.length === 0) continue;
      q = q.where("files.project_id", "in", r.projectIds);
    }
    let last: number | null = null;
    let mine = 0;
    for (const f of await q.orderBy("files.uploaded_at").execute()) {
      if (!warnMailDue(last, f.uploaded_at)) continue;
      last = f.uploaded_at;
      mine++;
    }
    mails += mine;
    if (mine) uploaders++;
  }
  return { mails, uploaders };
}
