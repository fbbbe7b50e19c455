import { catalogue } from "../lib/errors.js";

export const recoveryErrors = catalogue({
  DOMAIN_INVALID: { status: 400, field: "domain", message: "Enter a domain name such as example.com." },
  REQUEST_NOT_FOUND: { status: 404, message: "There is no such recovery request." },
  REQUEST_MOVED: {
    status: 403,
    message:
      "This recovery was continued in another browser with the link from the email, so it can only be finished there. If that was not you, start again and check who can read your email.",
  },
  LINK_NOT_MOVABLE: {
    status: 409,
    message:
      "This recovery can no longer be moved to this browser: it was moved once already, its proofs were submitted, or more than 30 minutes passed since the link was used. Start again to get a new link.",
  },
  REQUEST_CLOSED: { status: 409, message: "This recovery request is no longer open." },
  TOKEN_NOT_PROOF: {
    status: 400,
    field: "api_token",
    message: "This is not a valid, unexpired API token of this account.",
  },
  ALREADY_OPEN: {
    status: 409,
    message: "A recovery request for this account is already open. Follow it from the email we sent.",
  },
  STOP_CODE_INVALID: {
    status: 400,
    field: "code",
    message:
      "This code is not valid for the account. Use a current authenticator code or an unused recovery code.",
  },
  STOP_NEEDS_LINK: {
    status: 403,
    message:
      "Open the stop link from the latest recovery email (or continue in the browser that started the recovery) first.",
  },
  CANCEL_NEEDS_FACTOR: {
    status: 403,
    message:
      "Sign in with one of your factors (security key, passkey, authenticator app or recovery code) to cancel.",
  },
});
