import { catalogue } from "../../lib/errors.js";

/**
 * The npm CLI prints `<status> <statusText> - <METHOD> <url> - <body.error>`: every message is one
 * sentence that says what to do, shown in the user's terminal.
 */
export const npmErrors = catalogue({
  NAME_INVALID: { status: 400, message: "Invalid package name." },
  BODY_INVALID: { status: 400, message: "The request body is not what the npm client sends." },
  NAME_MISMATCH: { status: 400, message: "The package name in the URL and in the body differ." },
  ATTACHMENT_INVALID: { status: 400, message: "The package tarball could not be read." },
  TARBALL_UNSAFE: {
    status: 400,
    message: "The tarball holds a member npm pack never writes (an unsafe path, a link or a duplicate).",
  },
  TARBALL_TOO_LARGE: {
    status: 400,
    message: "The tarball unpacks to more than this registry accepts (possible gzip bomb).",
  },
  MANIFEST_MISMATCH: {
    status: 400,
    message: "The manifest sent does not match the tarball's package.json; publish with npm publish.",
  },
  NOT_GZIP: { status: 400, message: "The attachment is not a gzip-compressed tarball." },
  INTEGRITY_MISMATCH: {
    status: 400,
    message: "The tarball's sha512 integrity does not match the bytes received.",
  },
  SHASUM_MISMATCH: { status: 400, message: "The tarball's shasum does not match the bytes received." },
  TOO_LARGE: { status: 413, message: "The package is larger than this registry accepts." },
  VERSION_EXISTS: { status: 403, message: "You cannot publish over a previously published version." },
  VERSION_REUSED: { status: 403, message: "This version was published before and unpublished." },
  NOT_FOUND: { status: 404, message: "Not found." },
  PACKAGE_NOT_FOUND: { status: 404, message: "No such package." },
  VERSION_NOT_FOUND: { status: 404, message: "No such version." },
  REV_CONFLICT: {
    status: 409,
    message: "The package changed since you read it. Run the command again.",
  },
  AUTH_REQUIRED: { status: 401, message: "Log in first: npm login --registry <this registry>." },
  READONLY_TOKEN: { status: 403, message: "This token is read-only: it cannot change anything." },
  TAG_INVALID: { status: 400, message: "Invalid dist-tag." },
  TOKEN_SCOPE: {
    status: 403,
    message: "This token is limited to some packages; scope owners need an account-wide token.",
  },
  PASSWORD_WRONG: { status: 403, message: "The password is not correct." },
  // 401, not the web's 403: npm then tells its user to log in again.
  ACCOUNT_FROZEN: { status: 401, message: "This account is frozen. Contact the registry operators." },
  TFA_REQUIRED: {
    status: 403,
    message: "This package requires two-factor authentication to publish.",
  },
  WEB_AUTH_INVALID: { status: 404, message: "This sign-in link is not valid or has expired." },
  UNSUPPORTED: { status: 400, message: "This registry does not support that." },
  STAGE_NEW_PACKAGE: {
    status: 404,
    message:
      "Only a new version of an existing package can be staged: publish its first version with npm publish.",
  },
});
