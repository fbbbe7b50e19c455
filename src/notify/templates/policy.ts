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
}

/** Tells a maintainer their project(s) became critical: what it means, what to do, by when. */
export function critical(s: Site, v: CriticalVars) {
  const one = v.projects.length === 1;
  const subject = one
    ? `${v.projects[0]?.name} is now a critical project`
    : `${v.projects.length} of your projects are now critical projects`;
  const list = v.projects.map((p) => `  - ${p.name} (${p.ecosystem ?? v.ecosystem}): ${p.why}`).join("\n");
  const strength = strengthName(v.deadline?.strength ?? "any");
  const these = one ? "this project" : "these projects";
  const deadline = !v.deadline
    ? "No deadline has been set yet. You will be told before two-factor authentication becomes required."
    : v.deadline.enforceAt <= v.now
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
  ].join("\n");
  return { subject, text: `${hello(v.username, body)}${signature(s)}` };
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
}

function explain(s: Site, v: MandateVars): string {
  const m = v.mandate;
  const where = v.projects[0] === "*" ? "any project" : v.projects.join(", ");
  return `${cap(strengthName(m.strength))} will be required to publish to ${where} from ${date(m.enforceAt)} ("${m.name}"). Until then, publishing works and you will see warnings from ${date(m.warnAt)}.\n\nSet it up at ${s.origin}/account/two-factor — a security key or passkey is the strongest choice; an authenticator app works too${m.strength === "phishing-resistant" ? " for other projects, but this mandate requires a key or passkey" : ""}. Save your recovery codes.`;
}

/** The notice phase's one mail per affected, non-compliant maintainer. */
export function mandateNotice(s: Site, v: MandateVars) {
  return {
    subject: `Two-factor authentication will be required: ${v.mandate.name}`,
    text: `${hello(v.username, explain(s, v))}${signature(s)}`,
  };
}

/** twine shows nothing on success, so during the warn phase an upload earns a mail instead. */
export function uploadReminder(s: Site, v: MandateVars & { project: string }) {
  return {
    subject: `Your upload to ${v.project} worked, but two-factor authentication will be required`,
    text: `${hello(v.username, explain(s, v))}${signature(s)}`,
  };
}
