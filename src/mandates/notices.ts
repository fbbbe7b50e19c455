import type { Deps } from "../deps.js";
import { DAY } from "../lib/clock.js";
import { actorStrength, describeStrength, meets } from "../mfa/index.js";
import { send } from "../notify/index.js";
import * as mails from "../notify/templates/policy.js";
import { type PolicyProject, projectInCohort } from "./cohorts.js";
import { activeMandates, getMandate, type Mandate, type Phase, phaseOf } from "./store.js";

type NoticeDeps = Pick<Deps, "db" | "mailer" | "log" | "clock"> & {
  config: Pick<Deps["config"], "origin" | "siteName">;
};

export const WARN_MAIL_EVERY = 14 * DAY;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

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
      requireMfa: "none",
    };
    if (await projectInCohort(deps.db, m, p, now)) names.push(r.name);
  }
  return names;
}

/** Claims a mail slot (mandate, user, kind) once across instances; true if this caller should send. */
async function claim(
  deps: NoticeDeps,
  mandateId: string,
  userId: string,
  kind: string,
  now: number,
  every?: number,
): Promise<boolean> {
  const prev = await deps.db
    .selectFrom("mandate_notices")
    .select("sent_at")
    .where("mandate_id", "=", mandateId)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .executeTakeFirst();
  if (!prev) {
    const r = await deps.db
      .insertInto("mandate_notices")
      .values({ mandate_id: mandateId, user_id: userId, kind, sent_at: now })
      .onConflict((oc) => oc.columns(["mandate_id", "user_id", "kind"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
  if (every === undefined || now - prev.sent_at < every) return false;
  const r = await deps.db
    .updateTable("mandate_notices")
    .set({ sent_at: now })
    .where("mandate_id", "=", mandateId)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("sent_at", "=", prev.sent_at)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/**
 * The notice phase's one email per affected, non-compliant maintainer. Safe on every instance and
 * often: each (mandate, maintainer) mail is claimed once in mandate_notices. Candidates are selected in
 * SQL — people with a role (or everyone, for the all-users cohort) not yet noticed for this mandate —
 * so a run after the mails went out reads almost nothing.
 */
export async function sendMandateNotices(deps: NoticeDeps): Promise<number> {
  const now = deps.clock.now();
  const strengths = new Map<string, Awaited<ReturnType<typeof actorStrength>>>();
  let sent = 0;
  for (const m of await activeMandates(deps.db)) {
    if (phaseOf(m, now) === "scheduled") continue;
    let q = deps.db
      .selectFrom("users")
      .select(["users.id", "users.email", "users.username"])
      .where("users.is_frozen", "=", 0)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("mandate_notices")
              .select("mandate_notices.user_id")
              .whereRef("mandate_notices.user_id", "=", "users.id")
              .where("mandate_notices.mandate_id", "=", m.id)
              .where("mandate_notices.kind", "=", "notice"),
          ),
        ),
      );
    if (m.cohort !== "all-users") {
      q = q.where(({ exists, selectFrom }) =>
        exists(selectFrom("roles").select("roles.user_id").whereRef("roles.user_id", "=", "users.id")),
      );
    }
    for (const u of await q.execute()) {
      let strength = strengths.get(u.id);
      if (!strength) {
        strength = await actorStrength(deps.db, u.id);
        strengths.set(u.id, strength);
      }
      if (meets(strength, m.strength)) continue;
      const projects = await coveredProjectsOf(deps, m, u.id, now);
      if (projects.length === 0) continue;
      if (!(await claim(deps, m.id, u.id, "notice", now))) continue;
      await send(deps, u.email, mails.mandateNotice, { username: u.username, mandate: m, projects });
      sent++;
    }
  }
  return sent;
}

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
    if (!m || !(await claim(deps, id, user.id, "warn-upload", now, WARN_MAIL_EVERY))) continue;
    await send(deps, user.email, mails.uploadReminder, {
      username: user.username,
      mandate: m,
      projects: [projectName],
      project: projectName,
    });
  }
}

export interface Banner {
  phase: Exclude<Phase, "scheduled">;
  text: string;
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
    const phase = phaseOf(m, now) as Banner["phase"];
    const where =
      projects[0] === "*"
        ? "your projects"
        : projects.slice(0, 3).join(", ") + (projects.length > 3 ? ` and ${projects.length - 3} more` : "");
    const need = describeStrength(m.strength);
    out.push({
      phase,
      text:
        phase === "enforce"
          ? `Publishing to ${where} is blocked until you set up ${need} (${m.name}).`
          : `From ${day(m.enforceAt)}, publishing to ${where} will require ${need} (${m.name}).`,
    });
  }
  return out;
}
