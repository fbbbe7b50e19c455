import type { MailMessage } from "../mail/index.js";

/** Every recovery email in one place, so the wording stays consistent and reviewable. */
interface Site {
  siteName: string;
  origin: string;
}

const day = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
const footer = (s: Site) => `\n\n— ${s.siteName}`;

export function confirmRecoveryMail(s: Site, to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Confirm account recovery`,
    text: `Hello ${username},\n\nSomeone (hopefully you) said they cannot use any of the two-factor methods of this account and asked to recover it. To continue, open this link within 10 minutes, in the browser you will use to finish:\n\n${link}\n\nIf you did not ask for this, ignore this message: nothing changes unless the link is opened. If you still have a working security key, authenticator app or recovery code, you do not need to recover anything: sign in with it.${footer(s)}`,
  };
}

export function waitingMail(
  s: Site,
  to: string,
  username: string,
  r: {
    waitUntil: number;
    ip: string;
    userAgent: string;
    proofs: string[];
    cancelLink: string;
    stopLink: string;
  },
): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Account recovery requested: your two-factor methods will be removed on ${day(r.waitUntil).slice(0, 10)}`,
    text: `Hello ${username},\n\nA recovery of your account was requested after confirming this email address.\n\nFrom: ${r.ip} (${r.userAgent || "unknown browser"})\nProofs checked: ${r.proofs.join("; ") || "none"}\n\nUnless it is cancelled, on ${day(r.waitUntil)} every two-factor method of the account will be removed, all sessions and API tokens revoked, and the password must be reset from this address.\n\nIf this was not you, cancel it now with one click:\n\n${r.cancelLink}\n\nor stop it with any of your two-factor methods (security key, authenticator app or recovery code; no password needed):\n\n${r.stopLink}\n\nThen change your email account's password and your password here — someone can read your email.${footer(s)}`,
  };
}

export function queuedMail(
  s: Site,
  to: string,
  username: string,
  r: { ip: string; cancelLink: string; stopLink: string },
): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Your account recovery request is waiting for review`,
    text: `Hello ${username},\n\nA recovery of your account was requested from ${r.ip}, without any proof Wharf could check by itself (an API token of the account, a browser that signed in before, or a session still open). The registry operators will review it and may contact you at this address.\n\nIf this was not you, cancel it:\n\n${r.cancelLink}\n\nor with any of your two-factor methods: ${r.stopLink}${footer(s)}`,
  };
}

export function coMaintainerMail(
  s: Site,
  to: string,
  who: string,
  account: string,
  waitUntil: number,
): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] ${account} is recovering their account`,
    text: `Hello ${who},\n\nYou maintain a project together with ${account}. Someone asked to recover ${account}'s account, saying all its two-factor methods are lost. Unless it is cancelled, the account's two-factor methods will be removed on ${day(waitUntil)} and whoever controls its email address can then take it over.\n\nIf this looks wrong, reach ${account} through a channel other than email and ask them to cancel it, or write to the registry operators. Account takeover is how malicious releases of trusted packages happen.${footer(s)}`,
  };
}

export function cancelledMail(s: Site, to: string, username: string, why: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Account recovery cancelled`,
    text: `Hello ${username},\n\nThe account recovery request for your account was cancelled (${why}). Nothing was changed.\n\nIf you did not ask for the recovery, someone can read your email: change your password at ${s.origin}/account/ and review ${s.origin}/account/security-history.${footer(s)}`,
  };
}

export function deniedMail(s: Site, to: string, username: string, reason: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Account recovery denied`,
    text: `Hello ${username},\n\nThe registry operators denied the recovery request for your account: ${reason}\n\nNothing was changed.${footer(s)}`,
  };
}

export function completedMail(s: Site, to: string, username: string, resetLink: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Your account was recovered: choose a new password`,
    text: `Hello ${username},\n\nThe waiting period ended and your account was recovered: every two-factor method was removed, all sessions and API tokens were revoked, and the old password no longer works.\n\nChoose a new password within one hour:\n\n${resetLink}\n\n(later, ask for a new link at ${s.origin}/account/forgot-password). When you sign in, you will set up two-factor authentication again before anything else. This time, save the recovery codes and add a second security key.${footer(s)}`,
  };
}

export function coMaintainerCompletedMail(s: Site, to: string, who: string, account: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] ${account}'s account was recovered`,
    text: `Hello ${who},\n\nThe recovery of ${account}'s account completed: its two-factor methods, sessions and API tokens were removed. If you did not expect this, contact ${account} through another channel and the registry operators.${footer(s)}`,
  };
}
