import type { Deps } from "../deps.js";
import { type EventContext, recordEvent } from "../events/index.js";
import { emailDomain, isAbandoned } from "../mail/index.js";
import { send, type Template } from "../notify/index.js";

/** What account operations need from the request: who is asking from where. */
export type RequestContext = EventContext & { ip: string };

export type AccountDeps = Pick<Deps, "db" | "clock" | "keys" | "mailer" | "limits" | "log"> & {
  config: Pick<
    Deps["config"],
    | "siteName"
    | "origin"
    | "registration"
    | "sessionIdleMs"
    | "sessionMaxMs"
    | "pwnedPasswordsUrl"
    | "pwnedPasswordsFailOpen"
  >;
};

export function sessionPolicy(deps: AccountDeps) {
  return { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };
}

/** What an access-granting link does, recorded with a refusal. */
export type AccessPurpose = "reset_password" | "verify_email" | "change_email" | "recovery_reset";

/**
 * For every mail carrying a link that signs in or changes credentials: never to an address on an
 * abandoned domain (whoever re-registered it would take the account over, issue 11 HIGH 4). The
 * refusal is an event on the account, never an answer to the requester (that would tell a prober
 * the account exists). Returns whether the mail went out.
 */
export async function sendAccessMail<V>(
  deps: Pick<AccountDeps, "db" | "clock" | "mailer" | "log" | "config">,
  ctx: EventContext,
  userId: string,
  purpose: AccessPurpose,
  to: string,
  template: Template<V>,
  vars: V,
): Promise<boolean> {
  if (await isAbandoned(deps.db, to)) {
    await recordEvent(deps.db, deps.clock.now(), ctx, {
      type: "mail.refused_abandoned_domain",
      userId,
      data: { purpose, domain: emailDomain(to) },
    });
    return false;
  }
  // Sent after the caller's transaction committed (never for a change that rolled back).
  return send(deps, to, template, vars);
}

export function link(deps: AccountDeps, path: string, token: string): string {
  return `${deps.config.origin}${path}?token=${encodeURIComponent(token)}`;
}
