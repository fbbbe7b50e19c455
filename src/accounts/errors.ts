import { catalogue } from "../lib/errors.js";

export const accountErrors = catalogue({
  USERNAME_INVALID: {
    status: 400,
    field: "username",
    message:
      "Usernames are 1–50 characters: ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit.",
  },
  USERNAME_TAKEN: { status: 409, field: "username", message: "This username is already taken." },
  EMAIL_INVALID: {
    status: 400,
    field: "email",
    message: "Enter a valid email address (at most 254 characters).",
  },
  EMAIL_TAKEN: {
    status: 409,
    field: "email",
    message: "This email address is already used by another account.",
  },
  EMAIL_DOMAIN_ABANDONED: {
    status: 400,
    field: "email",
    message:
      "The registry no longer sends account mail to this domain: its registration lapsed. Use an address at another domain.",
  },
  PASSWORD_TOO_SHORT: {
    status: 400,
    field: "password",
    message: "Passwords must be at least 8 characters long.",
  },
  PASSWORD_TOO_LONG: {
    status: 400,
    field: "password",
    message: "Passwords must be at most 4096 characters long.",
  },
  PASSWORD_COMMON: {
    status: 400,
    field: "password",
    message: "This password is one of the most commonly used passwords. Choose a different one.",
  },
  PASSWORD_BREACHED: {
    status: 400,
    field: "password",
    message:
      "This password has appeared in a data breach, so attackers try it first. Choose a different one.",
  },
  PASSWORD_CHECK_UNAVAILABLE: {
    status: 503,
    field: "password",
    message:
      "The password could not be checked against the list of breached passwords just now. Try again in a few minutes.",
  },
  PASSWORD_SAME_AS_NAME: {
    status: 400,
    field: "password",
    message: "Your password must not be your username or email.",
  },
  PASSWORD_WRONG: { status: 400, field: "current_password", message: "The current password is not correct." },
  LOGIN_FAILED: { status: 401, field: "password", message: "The username or password is not correct." },
  ACCOUNT_FROZEN: {
    status: 403,
    field: "username",
    message: "This account is frozen. Contact the registry operators.",
  },
  REGISTRATION_CLOSED: {
    status: 403,
    message: "Registration is closed on this registry. Ask an operator for an account.",
  },
  LINK_INVALID: { status: 400, message: "This link is not valid. Request a new one." },
  LINK_EXPIRED: { status: 410, message: "This link has expired. Request a new one." },
  LINK_USED: {
    status: 410,
    message: "This link has already been used. Request a new one if you still need it.",
  },
  SUDO_REQUIRED: { status: 403, message: "Confirm your password to continue." },
  USER_NOT_FOUND: { status: 404, message: "There is no such user." },
});
