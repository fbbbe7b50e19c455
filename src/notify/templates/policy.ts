import { cap, hello, type Site, signature } from "./common.js";

/** Security-policy mail: critical-project designations and two-factor mandates. */

const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const strengthName = (strength: string) =>
  strength === "phishing-resistant" ? "a security key or passkey" : "two-factor authentication";

export interface CriticalVars {
  username: string;
  ecosystem: string;
  /**
   * Project names and why each is critical ("the top 1% of projects by downloads ..." or the admin's
   * reason); `ecosystem` when one run's mail lists projects of several ecosystems.
   */
  projects: { name: string; why: string; ecosystem?: string }[];
  sticky: boolean;
  deadline: { name: string; strength: string; enforceAt: number } | null;
  now: number;
  /** Projects that stopped being critical in the same run (one mail per person per run). */
  removed?: { name: string; why: string; ecosystem?: string }[];
}

/** Tells a maintainer their project(s) became critical: what it means, what to do, by when. */
export function critical(s: Site, v: CriticalVars) {
  const removed = v.removed ?? [];
  if (v.projects.length === 0 && removed.length > 0) return noLongerCritical(s, v, removed);
  const one = v.projects.length === 1;
  const subject = removed.length
    ? "Changes to your critical projects"
    : one
      ? `${v.projects[0]?.name} is now a critical project`
      : `${v.projects.length} of your projects are now critical projects`;
  const list = listOf(v.projects, v.ecosystem);
  const strength = strengthName(v.deadline?.strength ?? "any");
  const these = one ? "this project" : "these projects";
  const deadline = !v.deadline
    ? "No deadline has been set yet. You will be told before two-factor authentication becomes required."
    : v.deadline.enforceAt <= (s.now ?? v.now)
      ? `${cap(strength)} is already required ("${v.deadline.name}"): publishing to ${these}, adding people and creating tokens for ${one ? "it" : "them"} are refused until you set it up.`
      : `From ${date(v.deadline.enforceAt)}, publishing to ${these} will require ${strength} ("${v.deadline.name}"). Until then nothing changes for you.`;
  const body = [
    `${one ? "A project you maintain is" : "Projects you maintain are"} now designated critical on ${s.siteName}:`,
    list,
    "",
    `What this means: many people install ${one ? "it" : "them"}, so a stolen maintainer password would reach all of them. Maintainers of critical projects are asked to protect their accounts with two-factor authentication.`,
    "",
    `What to do: turn on two-factor authentication at ${s.origin}/account/two-factor — ideally a security key or passkey, which a phishing site cannot fool; an authenticator app also counts. Save your recovery codes somewhere safe.`,
    "",
    `Deadline: ${deadline}`,
    "",
    v.sticky
      ? "The designation stays even if downloads fall; the registry's operators can remove it."
      : "The designation is reviewed daily and ends when the project no longer qualifies.",
    ...(removed.length
      ? ["", "No longer designated critical:", listOf(removed, v.ecosystem), "", NO_LONGER]
      : []),
  ].join("\n");
  return { subject, text: `${hello(v.username, body)}${signature(s)}` };
}

const listOf = (projects: CriticalVars["projects"], ecosystem: string) =>
  projects.map((p) => `  - ${p.name} (${p.ecosystem ?? ecosystem}): ${p.why}`).join("\n");

const NO_LONGER =
  "Mandates for critical projects no longer apply to them. Two-factor authentication still protects your account and every project you maintain: keep it on.";

/** A run that only ended designations: one mail listing every project of the person that left. */
function noLongerCritical(s: Site, v: CriticalVars, removed: CriticalVars["projects"]) {
  const one = removed.length === 1;
  return {
    subject: one
      ? `${removed[0]?.name} is no longer a critical project`
      : `${removed.length} of your projects are no longer critical projects`,
    text: `${hello(v.username, `${one ? "a project you maintain is" : "projects you maintain are"} no longer designated critical on ${s.siteName}:\n${listOf(removed, v.ecosystem)}\n\n${NO_LONGER}`)}${signature(s)}`,
  };
}

/** Tells a maintainer a project is no longer critical (an admin's removal, or a non-sticky rule). */
export function notCritical(
  s: Site,
  v: { username: string; ecosystem: string; project: string; why: string },
) {
  return {
    subject: `${v.project} is no longer a critical project`,
    text: `${hello(v.username, `The project ${v.project} (${v.ecosystem}) is no longer designated critical on ${s.siteName}: ${v.why}\n\nMandates for critical projects no longer apply to it. Two-factor authentication still protects your account and every project you maintain: keep it on.`)}${signature(s)}`,
  };
}

export interface MandateVars {
  username: string;
  mandate: { name: string; strength: string; warnAt: number; enforceAt: number };
  /** Project names, or ["*"] for every project. */
  projects: string[];
  /** When the mail was decided; the time of rendering (Site.now, the outbox's send time) wins. */
  now: number;
}

const whereOf = (projects: string[]) => (projects[0] === "*" ? "any project" : projects.join(", "));

/**
 * What the mandate means for the reader at `now` (issue 13 item 6): the text is derived from the phase
 * at rendering time, so a mail sent after the enforcement date never promises that "publishing works
 * until then".
 */
function explain(s: Site, v: MandateVars): string {
  const m = v.mandate;
  const now = s.now ?? v.now;
  const where = whereOf(v.projects);
  const how = `Set it up at ${s.origin}/account/two-factor — a security key or passkey is the strongest choice; an authenticator app works too${m.strength === "phishing-resistant" ? " for other projects, but this mandate requires a key or passkey" : ""}. Save your recovery codes.`;
  if (now >= m.enforceAt)
    return `${cap(strengthName(m.strength))} has been required to publish to ${where} since ${date(m.enforceAt)} ("${m.name}"). Publishing, adding people and creating tokens for ${v.projects[0] === "*" ? "your projects" : "them"} are refused until you set it up.\n\n${how}`;
  const until =
    now >= m.warnAt
      ? "Until then, publishing works, with a warning each time."
      : `Until then, publishing works; you will see warnings from ${date(m.warnAt)}.`;
  return `${cap(strengthName(m.strength))} will be required to publish to ${where} from ${date(m.enforceAt)} ("${m.name}"). ${until}\n\n${how}`;
}

/** The notice phase's one mail per affected, non-compliant maintainer (and a late one's wording). */
export function mandateNotice(s: Site, v: MandateVars) {
  const required = (s.now ?? v.now) >= v.mandate.enforceAt;
  return {
    subject: `${cap(strengthName(v.mandate.strength))} ${required ? "is now required" : "will be required"}: ${v.mandate.name}`,
    text: `${hello(v.username, explain(s, v))}${signature(s)}`,
  };
}

/** twine shows nothing on success, so during the warn phase an upload earns a mail instead. */
export function uploadReminder(s: Site, v: MandateVars & { project: string }) {
  const required = (s.now ?? v.now) >= v.mandate.enforceAt;
  return {
    subject: `Your upload to ${v.project} worked, but ${strengthName(v.mandate.strength)} ${required ? "is now required" : "will be required"}`,
    text: `${hello(v.username, explain(s, v))}${signature(s)}`,
  };
}

export interface EnforcedVars {
  username: string;
  /** Every mandate that started enforcement for this person in one run, with the projects it covers. */
  mandates: { name: string; strength: string; enforceAt: number; projects: string[] }[];
}

/** Enforcement started: one mail per non-compliant maintainer, listing every mandate now enforced. */
export function mandateEnforced(s: Site, v: EnforcedVars) {
  const key = v.mandates.some((m) => m.strength === "phishing-resistant");
  const need = key ? "a security key or passkey" : "two-factor authentication";
  const list = v.mandates
    .map(
      (m) =>
        `  - "${m.name}" (since ${date(m.enforceAt)}): ${strengthName(m.strength)} for ${whereOf(m.projects)}`,
    )
    .join("\n");
  return {
    subject: `${cap(need)} is now required to publish`,
    text: `${hello(
      v.username,
      `publishing is now refused until you set up ${need}:\n${list}\n\nAdding people and creating tokens for these projects are refused too. Set it up at ${s.origin}/account/two-factor — a security key or passkey is the strongest choice${key ? "" : "; an authenticator app works too"}. Save your recovery codes. Everything works again as soon as you have, with nothing to re-create.`,
    )}${signature(s)}`,
  };
}
