import { catalogue } from "../lib/errors.js";

/** Refusals of the pages themselves (form shape, CSRF, the WebAuthn JSON calls), shown on the page. */
export const webErrors = catalogue({
  FORM_INVALID: { status: 400, message: "The form could not be read. Reload the page and try again." },
  FIELD_TOO_LONG: { status: 400, message: "This value is far too long." },
  // The page's own pre-checks (checkFields in forms.ts): each message names what to fill in.
  FIELD_REQUIRED: { status: 400, message: "Fill in this field." },
  FIELDS_INVALID: { status: 400, message: "Some fields need your attention: see the messages beside them." },
  CSRF_ORIGIN: { status: 403, message: "This form was sent from another site and was refused." },
  CSRF_INVALID: {
    status: 403,
    message: "Your form expired or was sent from another site. Reload the page and try again.",
  },
  BODY_INVALID: { status: 400, message: "The request could not be read. Reload the page." },
  SIGNED_OUT: { status: 401, message: "You are signed out. Sign in again." },
  STOP_EXPIRED: { status: 400, message: "This page expired. Open it again from the recovery email." },
});
