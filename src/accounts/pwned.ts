import { createHash } from "node:crypto";
import type { Deps } from "../deps.js";
import { accountErrors } from "./errors.js";

export type PwnedDeps = Pick<Deps, "log"> & {
  config: Pick<Deps["config"], "pwnedPasswordsUrl" | "pwnedPasswordsFailOpen">;
};

/** A range answer is ~30 KB (with padding); anything far larger is not a range API. */
const MAX_BODY = 1024 * 1024;

/**
 * NIST 800-63B §5.1.1.2: refuse passwords known from breaches. Asks a Have-I-Been-Pwned-compatible
 * range API (WHARF_PWNED_PASSWORDS_URL, e.g. https://api.pwnedpasswords.com/range) with k-anonymity:
 * only the first 5 hex characters of the password's SHA-1 leave the server; the suffix is looked up in
 * the list that comes back. Padding entries (count 0) are ignored. When the lookup fails the password
 * is refused (fail closed) unless WHARF_PWNED_PASSWORDS_FAIL_OPEN=true, which logs the failure.
 */
export async function checkNotBreached(deps: PwnedDeps, password: string): Promise<void> {
  const base = deps.config.pwnedPasswordsUrl;
  if (!base) return;
  const sha1 = createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
  const prefix = sha1.slice(0, 5);
  const suffix = sha1.slice(5);
  let body: string;
  try {
    const res = await fetch(`${base.replace(/\/+$/, "")}/${prefix}`, {
      headers: { "add-padding": "true", "user-agent": "Wharf password check" },
      redirect: "error",
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`the range API answered ${res.status}`);
    body = await res.text();
    if (body.length > MAX_BODY) throw new Error("the range API's answer is too large");
  } catch (err) {
    if (deps.config.pwnedPasswordsFailOpen) {
      deps.log.warn(
        { err },
        "breached-password check failed; password accepted unchecked (WHARF_PWNED_PASSWORDS_FAIL_OPEN=true)",
      );
      return;
    }
    throw accountErrors.PASSWORD_CHECK_UNAVAILABLE();
  }
  for (const line of body.split("\n")) {
    const [s, count] = line.trim().split(":");
    if (s?.toUpperCase() === suffix && Number(count) > 0) throw accountErrors.PASSWORD_BREACHED();
  }
}
