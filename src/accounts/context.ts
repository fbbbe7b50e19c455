import type { Deps } from "../deps.js";
import type { EventContext } from "../events/index.js";
import type { MailMessage } from "../mail/index.js";

/** What account operations need from the request: who is asking from where. */
export type RequestContext = EventContext & { ip: string };

export type AccountDeps = Pick<Deps, "db" | "clock" | "keys" | "mailer" | "limits" | "log"> & {
  config: Pick<Deps["config"], "siteName" | "origin" | "registration" | "sessionIdleMs" | "sessionMaxMs">;
};

export function sessionPolicy(deps: AccountDeps) {
  return { idleMs: deps.config.sessionIdleMs, maxMs: deps.config.sessionMaxMs };
}

/**
 * Mail goes out after the transaction commits (never for a change that rolled back). A mail failure is
 * logged, not thrown: the change stands and the user can ask for the mail again.
 */
export async function sendAfterCommit(deps: AccountDeps, message: MailMessage): Promise<void> {
  try {
    await deps.mailer.send(message);
  } catch (e) {
    deps.log.error({ err: e, to: message.to, subject: message.subject }, "mail could not be sent");
  }
}

export function link(deps: AccountDeps, path: string, token: string): string {
  return `${deps.config.origin}${path}?token=${encodeURIComponent(token)}`;
}
