import { hello, type Site, signature } from "./common.js";

/** Account-recovery mail: to the owner's address, and to the co-maintainers who should notice. */

const day = (ms: number) => `${new Date(ms).toISOString().replace("T", " ").slice(0, 16)} UTC`;

export function confirmRecovery(s: Site, v: { username: string; link: string }) {
  return {
    subject: "Confirm account recovery",
    text: hello(
      v.username,
      `Someone (hopefully you) said they cannot use any of the two-factor methods of this account and asked to recover it. To continue, open this link within 10 minutes, in the browser you will use to finish:\n\n${v.link}\n\nIf you did not ask for this, ignore this message: nothing changes unless the link is opened. If you still have a working security key, authenticator app or recovery code, you do not need to recover anything: sign in with it.${signature(s)}`,
    ),
  };
}

export interface WaitingVars {
  username: string;
  waitUntil: number;
  ip: string;
  userAgent: string;
  proofs: string[];
  cancelLink: string;
  stopLink: string;
}

export function waiting(s: Site, v: WaitingVars) {
  return {
    subject: `Account recovery requested: your two-factor methods will be removed on ${day(v.waitUntil).slice(0, 10)}`,
    text: hello(
      v.username,
      `A recovery of your account was requested after confirming this email address.\n\nFrom: ${v.ip} (${v.userAgent || "unknown browser"})\nProofs checked: ${v.proofs.join("; ") || "none"}\n\nUnless it is cancelled, on ${day(v.waitUntil)} every two-factor method of the account will be removed, all sessions and API tokens revoked, and the password must be reset from this address.\n\nIf this was not you, cancel it now with one click:\n\n${v.cancelLink}\n\nOr stop it with any of your two-factor methods (security key, authenticator app or recovery code; no password needed):\n\n${v.stopLink}\n\nThen change your email account's password and your password here — someone can read your email.${signature(s)}`,
    ),
  };
}

export function queued(s: Site, v: { username: string; ip: string; cancelLink: string; stopLink: string }) {
  return {
    subject: "Your account recovery request is waiting for review",
    text: hello(
      v.username,
      `A recovery of your account was requested from ${v.ip}, without any proof Wharf could check by itself (an API token of the account, a browser that signed in before, or a session still open). The registry operators will review it and may contact you at this address.\n\nIf this was not you, cancel it:\n\n${v.cancelLink}\n\nOr stop it with any of your two-factor methods: ${v.stopLink}${signature(s)}`,
    ),
  };
}

export function coMaintainer(s: Site, v: { who: string; account: string; waitUntil: number }) {
  return {
    subject: `${v.account} is recovering their account`,
    text: hello(
      v.who,
      `You maintain a project together with ${v.account}. Someone asked to recover ${v.account}'s account, saying all its two-factor methods are lost. Unless it is cancelled, the account's two-factor methods will be removed on ${day(v.waitUntil)} and whoever controls its email address can then take it over.\n\nIf this looks wrong, reach ${v.account} through a channel other than email and ask them to cancel it, or write to the registry operators. Account takeover is how malicious releases of trusted packages happen.${signature(s)}`,
    ),
  };
}

export function cancelled(s: Site, v: { username: string; why: string }) {
  return {
    subject: "Account recovery cancelled",
    text: hello(
      v.username,
      `The account recovery request for your account was cancelled (${v.why}). Nothing was changed.\n\nIf you did not ask for the recovery, someone can read your email: change your password at ${s.origin}/account/ and review ${s.origin}/account/security-history.${signature(s)}`,
    ),
  };
}

export function denied(s: Site, v: { username: string; reason: string }) {
  return {
    subject: "Account recovery denied",
    text: hello(
      v.username,
      `The registry operators denied the recovery request for your account: ${v.reason}\n\nNothing was changed.${signature(s)}`,
    ),
  };
}

export function completed(s: Site, v: { username: string; link: string }) {
  return {
    subject: "Your account was recovered: choose a new password",
    text: hello(
      v.username,
      `The waiting period ended and your account was recovered: every two-factor method was removed, all sessions and API tokens were revoked, and the old password no longer works.\n\nChoose a new password within one hour:\n\n${v.link}\n\nIf the link has expired, ask for a new one at ${s.origin}/account/forgot-password. When you sign in, you will set up two-factor authentication again before anything else. This time, save the recovery codes and add a second security key.${signature(s)}`,
    ),
  };
}

export function coMaintainerCompleted(s: Site, v: { who: string; account: string }) {
  return {
    subject: `${v.account}'s account was recovered`,
    text: hello(
      v.who,
      `The recovery of ${v.account}'s account completed: its two-factor methods, sessions and API tokens were removed. If you did not expect this, contact ${v.account} through another channel and the registry operators.${signature(s)}`,
    ),
  };
}
