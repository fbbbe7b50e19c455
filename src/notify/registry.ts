import * as accounts from "./templates/accounts.js";
import * as admin from "./templates/admin.js";
import type { Template } from "./templates/common.js";
import * as mfa from "./templates/mfa.js";
import * as packages from "./templates/packages.js";
import * as policy from "./templates/policy.js";
import * as publishing from "./templates/publishing.js";
import * as recovery from "./templates/recovery.js";
import * as tokens from "./templates/tokens.js";

/*
 * Templates by name, so a queued mail (notify/outbox.ts) stores "mfa.keyAdded" and its vars as JSON and
 * is rendered when sent, by any instance, after a restart. The name is the module's and the export's:
 * renaming a template export renames it here, and a mail queued under the old name is given up (logged)
 * rather than sent with the wrong text.
 */
const MODULES: Record<string, Record<string, unknown>> = {
  accounts,
  admin,
  mfa,
  packages,
  policy,
  publishing,
  recovery,
  tokens,
};

const byName = new Map<string, Template<never>>();
const nameOf = new Map<unknown, string>();
for (const [module, exports] of Object.entries(MODULES))
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "function") continue;
    byName.set(`${module}.${name}`, value as Template<never>);
    nameOf.set(value, `${module}.${name}`);
  }

/** The registry name of a template; a template outside the registry is a bug, refused loudly. */
export function templateName(template: Template<never>): string {
  const name = nameOf.get(template);
  if (!name) throw new Error(`mail template ${template.name} is not in src/notify/registry.ts`);
  return name;
}

export function templateByName(name: string): Template<unknown> | undefined {
  return byName.get(name) as Template<unknown> | undefined;
}
