import type { DbExecutor } from "../db/index.js";
import type { Mailer, MailMessage } from "../mail/index.js";
import { claimMailSlot } from "./once.js";
import type { Site, Template } from "./templates/common.js";

export interface NotifyDeps {
  mailer: Mailer;
  log: { error(obj: object, msg: string): void };
  config: Site;
}

export interface SendOptions {
  /**
   * Coalesce per kind and account: at most one mail of `kind` per account per window, so a burst of
   * failures warns the owner once instead of flooding (and burying) the warning.
   */
  once?: { db: DbExecutor; now: number; userId: string; kind: string };
}

/** The message a template makes for `to`, with the site's subject prefix. */
export function render<V>(site: Site, to: string, template: Template<V>, vars: V): MailMessage {
  const { subject, text } = template(site, vars);
  return { to, subject: `[${site.siteName}] ${subject}`, text };
}

/** Renders and sends one mail; returns whether the mailer took it. Never throws. */
export async function send<V>(
  deps: NotifyDeps,
  to: string,
  template: Template<V>,
  vars: V,
  opts: SendOptions = {},
): Promise<boolean> {
  let subject: string | undefined;
  try {
    const o = opts.once;
    if (o && !(await claimMailSlot(o.db, o.now, o.userId, o.kind))) return false;
    const message = render(deps.config, to, template, vars);
    subject = message.subject;
    await deps.mailer.send(message);
    return true;
  } catch (e) {
    deps.log.error({ err: e, to, subject, template: template.name }, "mail could not be sent");
    return false;
  }
}
