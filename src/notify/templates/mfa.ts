import { hello, plural, type Site, signature } from "./common.js";

/**
 * Two-factor mail. ASVS v5 6.3.7: the user hears through another channel of every authentication
 * change, with where to review it; that closing advice is shared by every message here.
 */

interface Who {
  username: string;
}

const closing = (s: Site) =>
  `\n\nReview your security settings at ${s.origin}/account/two-factor and your security history at ${s.origin}/account/security-history. If this was not you, change your password now.${signature(s)}`;

const mail = (s: Site, username: string, subject: string, body: string) => ({
  subject,
  text: `${hello(username, body)}${closing(s)}`,
});

const codesNote = (codes: boolean) =>
  codes ? " We generated 10 recovery codes; keep them somewhere safe." : "";

export function clonedKeyRefused(s: Site, v: Who & { label: string; next: number; stored: number }) {
  return mail(
    s,
    v.username,
    "Sign-in with a possibly cloned security key refused",
    `Your security key "${v.label}" reported a signature counter (${v.next}) that is not above the last one we saw (${v.stored}). This can mean the key was copied. The sign-in was refused. If you did not just use this key, remove it and change your password.`,
  );
}

/** A passkey is named a passkey: it signs in without the password, which a security key does not. */
export function keyAdded(
  s: Site,
  v: Who & { kind: "passkey" | "security-key"; label: string; codes: boolean },
) {
  const passkey = v.kind === "passkey";
  return mail(
    s,
    v.username,
    `${passkey ? "Passkey" : "Security key"} added`,
    `The ${passkey ? "passkey" : "security key"} "${v.label}" was added to your account.${passkey ? " It can sign in without your password." : ""}${codesNote(v.codes)}`,
  );
}

export function keyRemoved(s: Site, v: Who & { kind: "passkey" | "security-key"; label: string }) {
  const passkey = v.kind === "passkey";
  return mail(
    s,
    v.username,
    `${passkey ? "Passkey" : "Security key"} removed`,
    `The ${passkey ? "passkey" : "security key"} "${v.label}" was removed from your account.`,
  );
}

export function recoveryCodeUsed(s: Site, v: Who & { left: number }) {
  return mail(
    s,
    v.username,
    "A recovery code was used",
    `A recovery code was used to sign in to your account. ${plural(v.left, "unused code")} ${v.left === 1 ? "remains" : "remain"}.${v.left <= 2 ? ` That is few: generate new codes at ${s.origin}/account/two-factor/recovery-codes before you run out.` : ""}`,
  );
}

export function totpReplayed(s: Site, v: Who) {
  return mail(
    s,
    v.username,
    "A reused authenticator code was refused",
    "Someone entered an authenticator code that had already been used. If you did not just sign in twice, someone may have seen your code and your password.",
  );
}

export function failuresBurst(s: Site, v: Who) {
  return mail(
    s,
    v.username,
    "Many failed two-factor attempts",
    "There were several failed attempts to pass the second step of signing in to your account. Your password may be known to someone else: change it.",
  );
}

export function totpAdded(s: Site, v: Who & { codes: boolean; fromCli?: boolean }) {
  return mail(
    s,
    v.username,
    "Authenticator app added",
    `An authenticator app was added as a second factor for your account${v.fromCli ? " from the npm command line" : ""}.${codesNote(v.codes)}`,
  );
}

export function totpRemoved(s: Site, v: Who & { fromCli?: boolean }) {
  return mail(
    s,
    v.username,
    "Authenticator app removed",
    `The authenticator app was removed from your account's second factors${v.fromCli ? ", from the npm command line" : ""}.`,
  );
}

export function recoveryCodesRegenerated(s: Site, v: Who) {
  return mail(
    s,
    v.username,
    "New recovery codes",
    "New recovery codes were generated for your account. The old ones no longer work.",
  );
}

export function newBrowserSignIn(
  s: Site,
  v: Who & { method: string; userAgent: string; ip: string; at: number },
) {
  return mail(
    s,
    v.username,
    "New sign-in to your account",
    `Your account was signed in from a browser it had not been used from before, with ${v.method === "totp" ? "an authenticator app code" : "a recovery code"}.\n\nBrowser: ${v.userAgent || "unknown"}\nIP address: ${v.ip}\nTime: ${new Date(v.at).toISOString()}\n\nIf this was you, nothing to do. If not, change your password and sign out that session at ${s.origin}/account/sessions. Security keys protect against this kind of phishing.`,
  );
}

export function factorsReset(s: Site, v: Who & { reason: string }) {
  return mail(
    s,
    v.username,
    "Your two-factor authentication was reset",
    `A registry operator removed every second factor from your account (reason: ${v.reason}). All your sessions were signed out. Sign in and enroll a new factor right away.`,
  );
}
