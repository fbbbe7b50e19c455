import { hello, type Site, signature } from "./common.js";

/** Account mail: every message that carries an account link, or tells of a credential change. */

const footer = (s: Site) =>
  `${signature(s)}\nIf something here looks wrong, change your password at ${s.origin}/account/ and contact the registry operators.`;

interface Link {
  username: string;
  link: string;
}

export function verifyEmail(s: Site, v: Link) {
  return {
    subject: "Verify your email address",
    text: hello(
      v.username,
      `Confirm that this is your email address by opening this link within 24 hours:\n\n${v.link}\n\nYou need a verified email address to publish packages.${footer(s)}`,
    ),
  };
}

export function resetPassword(s: Site, v: Link) {
  return {
    subject: "Reset your password",
    text: hello(
      v.username,
      `Someone (hopefully you) asked to reset the password of your account. Open this link within one hour to choose a new password:\n\n${v.link}\n\nIf you did not ask for this, ignore this message: your password has not changed.${footer(s)}`,
    ),
  };
}

export function passwordChanged(s: Site, v: { username: string; how: "changed" | "reset" }) {
  return {
    subject: `Your password was ${v.how}`,
    text: hello(
      v.username,
      `The password of your account was ${v.how === "reset" ? "reset with an emailed link" : "changed"}. Other sessions have been signed out.\n\nIf this was not you, reset your password at ${s.origin}/account/forgot-password right away.${footer(s)}`,
    ),
  };
}

export function changeEmail(s: Site, v: Link) {
  return {
    subject: "Confirm your new email address",
    text: hello(
      v.username,
      `Open this link within 24 hours to make this the email address of your account:\n\n${v.link}${footer(s)}`,
    ),
  };
}

export function emailChangeNotice(
  s: Site,
  v: { username: string; newEmail: string; stage: "requested" | "changed" },
) {
  const changed = v.stage === "changed";
  return {
    subject: `Your account's email address ${changed ? "was changed" : "is being changed"}`,
    text: hello(
      v.username,
      `${changed ? `The email address of your account is now ${v.newEmail}. Mail will no longer come to this address.` : `Someone signed in to your account asked to change its email address to ${v.newEmail}. The change happens only when that address is confirmed.`}\n\nIf this was not you, reset your password at ${s.origin}/account/forgot-password and contact the registry operators.${footer(s)}`,
    ),
  };
}

export function registrationAttempt(s: Site, v: { username: string }) {
  return {
    subject: "Someone tried to create an account with your email address",
    text: hello(
      v.username,
      `Someone tried to create a new account with this email address, which already belongs to your account "${v.username}". No account was created.\n\nIf it was you, sign in at ${s.origin}/account/login, or reset your password at ${s.origin}/account/forgot-password if you forgot it.\n\nIf it was not you, you need not do anything.${footer(s)}`,
    ),
  };
}
