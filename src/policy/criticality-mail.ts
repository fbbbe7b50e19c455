import type { DbExecutor } from "../db/index.js";
import type { MailMessage } from "../mail/index.js";

/** What a critical-project mail needs to say about the deadline: the earliest mandate for the cohort. */
export interface Deadline {
  name: string;
  strength: string;
  enforceAt: number;
}

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

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
  projects: { name: string; why: string }[];
  sticky: boolean;
  deadline: Deadline | null;
  now: number;
}

/** Tells a maintainer their project(s) became critical: what it means, what to do, by when. */
export function criticalMail(m: CriticalMailInput): MailMessage {
  const one = m.projects.length === 1;
  const names = m.projects.map((p) => p.name);
  const subject = one
    ? `${names[0]} is now a critical project`
    : `${m.projects.length} of your projects are now critical projects`;
  const list = m.projects.map((p) => `  - ${p.name} (${m.ecosystem}): ${p.why}`).join("\n");
  const strength =
    m.deadline?.strength === "phishing-resistant" ? "a security key or passkey" : "two-factor authentication";
  const deadline = !m.deadline
    ? "No deadline has been set yet. You will be told before two-factor authentication becomes required."
    : m.deadline.enforceAt <= m.now
      ? `${cap(strength)} is already required ("${m.deadline.name}"): publishing to ${one ? "this project" : "these projects"}, adding people and creating tokens for ${one ? "it" : "them"} are refused until you set it up.`
      : `From ${date(m.deadline.enforceAt)}, publishing to ${one ? "this project" : "these projects"} will require ${strength} ("${m.deadline.name}"). Until then nothing changes for you.`;
  const text = [
    `Hello ${m.user.username},`,
    "",
    `${one ? "A project you maintain is" : "Projects you maintain are"} now designated critical on ${m.siteName}:`,
    list,
    "",
    "What this means: many people install " +
      (one ? "it" : "them") +
      ", so a stolen maintainer password would reach all of them. Maintainers of critical projects are asked to protect their accounts with two-factor authentication.",
    "",
    `What to do: turn on two-factor authentication at ${m.origin}/account/two-factor — ideally a security key or passkey, which a phishing site cannot fool; an authenticator app also counts. Save your recovery codes somewhere safe.`,
    "",
    `Deadline: ${deadline}`,
    "",
    m.sticky
      ? "The designation stays even if downloads fall; the registry's operators can remove it."
      : "The designation is reviewed daily and ends when the project no longer qualifies.",
    "",
    `— ${m.siteName}`,
  ].join("\n");
  return { to: m.user.email, subject: `[${m.siteName}] ${subject}`, text };
}

/** Tells a maintainer a project is no longer critical (an admin's removal, or a non-sticky rule). */
export function notCriticalMail(m: {
  siteName: string;
  user: { username: string; email: string };
  ecosystem: string;
  project: string;
  why: string;
}): MailMessage {
  return {
    to: m.user.email,
    subject: `[${m.siteName}] ${m.project} is no longer a critical project`,
    text: `Hello ${m.user.username},\n\n${m.project} (${m.ecosystem}) is no longer designated critical on ${m.siteName}: ${m.why}\n\nMandates for critical projects no longer apply to it. Two-factor authentication still protects your account and every project you maintain: keep it on.\n\n— ${m.siteName}`,
  };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
