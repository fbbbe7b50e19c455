/**
 * What the WebAuthn buttons say when the browser's ceremony fails, by DOMException name (WebAuthn L3
 * §5.1.3 and §5.1.4.1 list which names create() and get() raise). The client script (static-scripts.ts)
 * receives this table as JSON, so the wording lives in one place and unit tests can read it.
 *
 * NotAllowedError is the hard one: browsers raise it for a cancelled prompt, a timeout, and — on
 * purpose, so a site cannot probe which credentials a device holds — for "no discoverable credential
 * here" (Chromium's virtual authenticator does the same). The passkey button cannot tell these apart,
 * so its message names both and the way that works with a non-discoverable security key: password,
 * then key (issue 14 item 8).
 */
export type WebAuthnContext = "passkey" | "second-step" | "sudo" | "recovery-stop" | "approval" | "enrol";

type Messages = Record<string, string> & { default: string };

const common: Record<string, string> = {
  AbortError:
    "The request to your key was stopped before it finished (another prompt started, or the page changed). Try again.",
  SecurityError:
    "The browser refused: this page's address does not match the registry's configured origin (WHARF_ORIGIN). Open the registry at its configured address.",
  NotSupportedError:
    "This browser or key does not support what the registry asks for. Try another key or another browser.",
  ConstraintError:
    "Your key cannot verify you (no PIN or fingerprint is set up on it). Set one up on the key, or use another key.",
  UnknownError: "Your key or browser reported an error. Try again, or try another key.",
  InvalidStateError: "This key cannot be used for this request. Try another key.",
};

export const WEBAUTHN_MESSAGES: Record<WebAuthnContext, Messages> = {
  passkey: {
    ...common,
    NotAllowedError:
      "No passkey for this site on this device was used: this device may have none, or the prompt was cancelled or timed out. Holding a security key rather than a passkey? Sign in with your password, then your key.",
    default: "Signing in with a passkey failed. Sign in with your password, then your second factor.",
  },
  "second-step": {
    ...common,
    NotAllowedError:
      "Your key was not used: the prompt was cancelled or timed out, or this key is not registered to this account. Try again, or use another factor on this page.",
    default: "Your key could not be checked. Try again, or use another factor on this page.",
  },
  sudo: {
    ...common,
    NotAllowedError:
      "No passkey of this account was used: the prompt was cancelled or timed out, or this device has none. Confirm with your password and a code instead.",
    default: "The passkey could not be checked. Confirm with your password and a code instead.",
  },
  "recovery-stop": {
    ...common,
    NotAllowedError:
      "Your key was not used: the prompt was cancelled or timed out, or this key is not registered to this account. Try again, or stop the recovery with a code below.",
    default: "Your key could not be checked. Try again, or stop the recovery with a code below.",
  },
  approval: {
    ...common,
    NotAllowedError:
      "Your key was not used: the prompt was cancelled or timed out, or this key is not registered to this account. Try again, or use another of your keys.",
    default: "Your key could not be checked. Try again.",
  },
  enrol: {
    ...common,
    NotAllowedError:
      "No key was added: the prompt was cancelled or timed out. Try again when your key is ready.",
    InvalidStateError: "This key is already registered to your account. Use another key.",
    NotSupportedError:
      "This key or browser cannot create this kind of credential. For a passkey you need a device or key that stores passkeys; try “Add security key” instead.",
    default: "The key could not be added. Try again.",
  },
};

/** The message for an error from navigator.credentials (by name; SimpleWebAuthn keeps the DOMException's). */
export function webauthnMessage(context: WebAuthnContext, name: string | undefined): string {
  const table = WEBAUTHN_MESSAGES[context];
  return (name && table[name]) || table.default;
}
