import { hello, type Site, signature } from "./common.js";

/** What an operator did to an account, told to its owner through another channel (ASVS v5 6.3.7). */

const mail = (s: Site, username: string, subject: string, body: string) => ({
  subject,
  text: `${hello(username, body)}${signature(s)}`,
});

export function frozen(s: Site, v: { username: string; reason: string }) {
  return mail(
    s,
    v.username,
    "Your account was frozen",
    `The registry operators froze your account (reason: ${v.reason}). You cannot sign in or publish with API tokens until they unfreeze it; every session was signed out. Reply to the operators if you think this is a mistake.`,
  );
}

export function unfrozen(s: Site, v: { username: string; reason: string }) {
  return mail(
    s,
    v.username,
    "Your account was unfrozen",
    `The registry operators unfroze your account (reason: ${v.reason}). You can sign in again.`,
  );
}

export function signedOutEverywhere(s: Site, v: { username: string; reason: string }) {
  return mail(
    s,
    v.username,
    "You were signed out everywhere",
    `The registry operators signed you out of every session and revoked your API tokens (reason: ${v.reason}). Sign in again and create new tokens where you need them.`,
  );
}
