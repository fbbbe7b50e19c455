import { type DbExecutor, transaction } from "../db/index.js";
import type { Deps } from "../deps.js";
import { actorStrength, describeStrength, meets } from "../mfa/index.js";
import { queueNotification, send } from "../notify/index.js";
import * as mails from "../notify/templates/policy.js";
import { type BannerPhase, bannerText } from "./banner-text.js";
import { type PolicyProject, projectInCohort } from "./cohorts.js";
import { mandateAudience, phaseMail, type Recipient, warnMailDue } from "./mail-plan.js";
import { activeMandates, getMandate, type Mandate, phaseOf } from "./store.js";

type NoticeDeps = Pick<Deps, "db" | "mailer" | "log" | "clock"> & {
  config: Pick<Deps["config"], "origin" | "siteName">;
};

/** The projects of `userId` that a mandate covers (names), or ["*"] for the all-users cohort. */
async function coveredProjectsOf(
  deps: NoticeDeps,
  m: Mandate,
  userId: string,
  now: number,
): Promise<string[]> {
  const rows = await deps.db
    .selectFrom("roles")
    .innerJoin("projects", "projects.id", "roles.project_id")
    .select([
      "projects.id",
      "projects.name",
      "projects.ecosystem",
      "projects.normalized_name",
      "projects.critical_since",
      "projects.mfa_requirement",
    ])
    .where("roles.user_id", "=", userId)
    .execute();
  if (m.cohort === "all-users") return ["*"];
  const names: string[] = [];
  for (const r of rows) {
    const p: PolicyProject = {
      id: r.id,
      ecosystem: r.ecosystem,
      normalizedName: r.normalized_name,
      criticalSince: r.critical_since,
      requireStaging: "none",
      requireMfa: "none",
    };
    if (await projectInCohort(deps.db, m, p, now)) names.push(r.name);
  }
  return names;
}

/** Claims a mail slot (mandate, user, kind) once across instances; true if this caller should send. */
async function claim(
  db: DbExecutor,
  mandateId: string,
  userId: string,
  kind: string,
  now: number,
  /** The warn reminder repeats under warnMailDue's rule; the other kinds are sent once. */
  repeats = false,
): Promise<boolean> {
  const prev = await db
    .selectFrom("mandate_notices")
    .select("sent_at")
    .where("mandate_id", "=", mandateId)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .executeTakeFirst();
  if (!prev) {
    const r = await db
      .insertInto("mandate_notices")
      .values({ mandate_id: mandateId, user_id: userId, kind, sent_at: now })
      .onConflict((oc) => oc.columns(["mandate_id", "user_id", "kind"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
  if (!repeats || !warnMailDue(prev.sent_at, now)) return false;
  const r = await db
    .updateTable("mandate_notices")
    .set({ sent_at: now })
    .where("mandate_id", "=", mandateId)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("sent_at", "=", prev.sent_at)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

interface Due {
  to: Recipient;
  notice: { m: Mandate; projects: string[] }[];
  enforce: { m: Mandate; projects: string[] }[];
}

/**
 * The once-per-person mail of each mandate's current phase (mail-plan.ts phaseMail): the notice in
 * notice and warn, the enforcement-start mail in enforce. Safe on every instance and often: each
 * (mandate, maintainer, kind) is claimed once in mandate_notices, in the transaction that queues the
 * mail in the outbox, so a restart or a second run never sends it again. Enforcement start is one mail
 * per person listing every mandate that began enforcing for them. The outbox renders at send time, so
 * a retry after the enforcement date does not say "will be required". Returns the mails queued.
 */
export async function sendMandateNotices(deps: NoticeDeps): Promise<number> {
  const now = deps.clock.now();
  const due = new Map<string, Due>();
  for (const m of await activeMandates(deps.db)) {
    const kind = phaseMail(phaseOf(m, now));
    if (!kind) continue;
    for (const r of await mandateAudience(deps.db, m, now, { unmailed: { mandateId: m.id, kind } })) {
      if (!r.verified) continue;
      const d = due.get(r.userId) ?? { to: r, notice: [], enforce: [] };
      d[kind].push({ m, projects: r.projects });
      due.set(r.userId, d);
    }
  }
  let queued = 0;
  for (const d of due.values()) {
    queued += await transaction(deps.db, async (tx) => {
      let n = 0;
      const u = d.to;
      for (const { m, projects } of d.notice) {
        if (!(await claim(tx, m.id, u.userId, "notice", now))) continue;
        await queueNotification(tx, now, u.userId, {
          to: u.email,
          template: mails.mandateNotice,
          vars: { username: u.username, mandate: mandateVars(m), projects, now },
        });
        n++;
      }
      const enforced = [];
      for (const { m, projects } of d.enforce)
        if (await claim(tx, m.id, u.userId, "enforce", now)) enforced.push({ ...mandateVars(m), projects });
      if (enforced.length) {
        await queueNotification(tx, now, u.userId, {
          to: u.email,
          template: mails.mandateEnforced,
          vars: { username: u.username, mandates: enforced },
        });
        n++;
      }
      return n;
    });
  }
  return queued;
}

const mandateVars = (m: Mandate) => ({
  name: m.name,
  strength: m.strength,
  warnAt: m.warnAt,
  enforceAt: m.enforceAt,
});

/** twine shows nothing on success, so during the warn phase an upload earns an email — at most every 14 days. */
export async function remindAfterUpload(
  deps: NoticeDeps,
  user: { id: string; email: string; username: string },
  mandateIds: string[],
  projectName: string,
): Promise<void> {
  const now = deps.clock.now();
  for (const id of mandateIds) {
    const m = await getMandate(deps.db, id);
    if (!m || !(await claim(deps.db, id, user.id, "warn-upload", now, true))) continue;
    await send(deps, user.email, mails.uploadReminder, {
      username: user.username,
      mandate: mandateVars(m),
      projects: [projectName],
      project: projectName,
      now,
    });
  }
}

export interface Banner {
  phase: BannerPhase;
  text: string;
  enforceAt: number;
}

/** What a signed-in maintainer sees on every page while a mandate concerns them. */
export async function bannersFor(deps: NoticeDeps, userId: string): Promise<Banner[]> {
  const now = deps.clock.now();
  const mandates = (await activeMandates(deps.db)).filter((m) => phaseOf(m, now) !== "scheduled");
  if (mandates.length === 0) return [];
  const strength = await actorStrength(deps.db, userId);
  const out: Banner[] = [];
  for (const m of mandates) {
    if (meets(strength, m.strength)) continue;
    const projects = await coveredProjectsOf(deps, m, userId, now);
    if (projects.length === 0) continue;
    const phase = phaseOf(m, now) as BannerPhase;
    const where =
      projects[0] === "*"
        ? "your projects"
        : projects.slice(0, 3).join(", ") + (projects.length > 3 ? ` and ${projects.length - 3} more` : "");
    const need = describeStrength(m.strength);
    out.push({
      phase,
      text: bannerText({ phase, where, need, name: m.name, enforceAt: m.enforceAt, now }),
      enforceAt: m.enforceAt,
    });
  }
  return out;
}
