import type { MailMessage } from "../mail/index.js";

/** Every account email in one place, so wording stays consistent and reviewable. */
interface Site {
  siteName: string;
  origin: string;
}

const footer = (s: Site) =>
  `\n\n— ${s.siteName}\nIf something here looks wrong, change your password at ${s.origin}/account/ and contact the registry operators.`;

export function verifyEmailMail(s: Site, to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Verify your email address`,
    text: `Hello ${username},\n\nConfirm that this is your email address by opening this link within 24 hours:\n\n${link}\n\nYou need a verified email address to publish packages.${footer(s)}`,
  };
}

export function resetPasswordMail(s: Site, to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Reset your password`,
    text: `Hello ${username},\n\nSomeone (hopefully you) asked to reset the password of your account. Open this link within one hour to choose a new password:\n\n${link}\n\nIf you did not ask for this, ignore this message: your password has not changed.${footer(s)}`,
  };
}

export function passwordChangedMail(
  s: Site,
  to: string,
  username: string,
  how: "changed" | "reset",
): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Your password was ${how}`,
    text: `Hello ${username},\n\nThe password of your account was ${how === "reset" ? "reset with an emailed link" : "changed"}. Other sessions have been signed out.\n\nIf this was not you, reset your password at ${s.origin}/account/forgot-password right away.${footer(s)}`,
  };
}

export function changeEmailMail(s: Site, to: string, username: string, link: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Confirm your new email address`,
    text: `Hello ${username},\n\nOpen this link within 24 hours to make this the email address of your account:\n\n${link}${footer(s)}`,
  };
}

export function emailChangeNoticeMail(
  s: Site,
  to: string,
  username: string,
  newEmail: string,
  stage: "requested" | "changed",
): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Your account's email address ${stage === "changed" ? "was changed" : "is being changed"}`,
    text: `Hello ${username},\n\n${stage === "changed" ? `The email address of your account is now ${newEmail}. Mail will no longer come to this address.` : `Someone signed in to your account asked to change its email address to ${newEmail}. The change happens only when that address is confirmed.`}\n\nIf this was not you, reset your password at ${s.origin}/account/forgot-password and contact the registry operators.${footer(s)}`,
  };
}

export function registrationAttemptMail(s: Site, to: string, username: string): MailMessage {
  return {
    to,
    subject: `[${s.siteName}] Someone tried to create an account with your email address`,
    text: `Hello ${username},\n\nSomeone tried to create a new account with this email address, which already belongs to your account "${username}". No account was created.\n\nIf it was you, sign in at ${s.origin}/account/login, or reset your password at ${s.origin}/account/forgot-password if you forgot it.\n\nIf it was not you, you need not do anything.${footer(s)}`,
  };
}
