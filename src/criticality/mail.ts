import type { DbExecutor } from "../db/index.js";
import type { MailMessage } from "../mail/index.js";
import { render } from "../notify/index.js";
import * as mails from "../notify/templates/policy.js";

/** What a critical-project mail needs to say about the deadline: the earliest mandate for the cohort. */
export interface Deadline {
  name: string;
  strength: string;
  enforceAt: number;
}

/** The earliest unarchived mandate whose cohort is the critical projects of `ecosystem` (or of all). */
export async function criticalDeadline(db: DbExecutor, ecosystem: string): Promise<Deadline | null> {
  const r = await db
    .selectFrom("mandates")
    .select(["name", "strength", "enforce_at"])
    .where("cohort", "=", "critical")
    .where("archived_at", "is", null)
    .where((eb) => eb.or([eb("ecosystem", "=", ecosystem), eb("ecosystem", "is", null)]))
    .orderBy("enforce_at")
    .limit(1)
    .executeTakeFirst();
  return r ? { name: r.name, strength: r.strength, enforceAt: r.enforce_at } : null;
}

export interface CriticalMailInput {
  siteName: string;
  origin: string;
  user: { username: string; email: string };
  ecosystem: string;
  /** Project names and why each is critical ("the top 1% of projects by downloads ..." or the admin's reason). */
  projects: { name: string; why: string; ecosystem?: string }[];
  /** Projects that stopped being critical in the same run. */
  removed?: { name: string; why: string; ecosystem?: string }[];
  sticky: boolean;
  deadline: Deadline | null;
  now: number;
}

/*
 * Criticality mail is queued in the designating transaction (criticality-queue.ts) and delivered by a
 * job that retries failures, so it is rendered here with the notify templates instead of sent with
 * `send` (which logs and drops a failure).
 */

/** Tells a maintainer their project(s) became critical: what it means, what to do, by when. */
export function criticalMail(m: CriticalMailInput): MailMessage {
  const { user, siteName, origin, ...vars } = m;
  return render({ siteName, origin }, user.email, mails.critical, { username: user.username, ...vars });
}

/** Tells a maintainer a project is no longer critical (an admin's removal, or a non-sticky rule). */
export function notCriticalMail(m: {
  siteName: string;
  origin: string;
  user: { username: string; email: string };
  ecosystem: string;
  project: string;
  why: string;
}): MailMessage {
  const { user, siteName, origin, ...vars } = m;
  return render({ siteName, origin }, user.email, mails.notCritical, { username: user.username, ...vars });
}
