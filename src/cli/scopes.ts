import { recordAudit } from "../admin/index.js";
import { loadConfig, resolveSecretKey } from "../config.js";
import type { Tx } from "../db/index.js";
import { isAppError } from "../lib/errors.js";
import {
  addScopeOwner,
  getScope,
  listScopePackages,
  removeScopeOwner,
  type Scope,
} from "../packages/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

export const SCOPE_HELP = `Usage: wharf scope <show @SCOPE | add-owner @SCOPE USER --reason R | remove-owner @SCOPE USER --reason R> [settings]

  show @SCOPE              The npm scope's owners and packages
  add-owner @SCOPE USER    Make USER an owner of the scope: they may create new packages in it.
                           On a scope nobody has claimed yet, this reserves it for USER.
  remove-owner @SCOPE USER Remove an owner (a scope keeps at least one)

add-owner and remove-owner require --reason (3-500 characters): a change is recorded in the audit
log (/admin/audit) with the operator named cli:<os user>@<host>.

Only a scope's owners create new packages in it; the first publish into an unclaimed scope claims it,
and a scope named like a user is kept for that user. Owners can also change owners at /scopes/SCOPE/.

${SETTINGS_HELP}`;

function print(scope: Scope | null, name: string, packages: Array<{ name: string }>): void {
  const lines = scope
    ? [`scope: @${scope.name}`, `owners: ${scope.owners.map((o) => o.username).join(", ") || "(none)"}`]
    : [`scope: @${name} (unclaimed)`];
  lines.push(`packages: ${packages.length}`, ...packages.map((p) => `  ${p.name}`));
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** `wharf scope ...`: the operator's way to see and change who owns an npm scope (issue 11, HIGH 2). */
export async function scopeCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { reason: { type: "string" } });
  const arity = sub === "show" ? 1 : sub === "add-owner" || sub === "remove-owner" ? 2 : -1;
  const help = asksHelp(values, sub);
  if (help || arity < 0) {
    console.log(SCOPE_HELP);
    return help ? 0 : 2;
  }
  if (positionals.length !== arity)
    throw new UsageError(`wharf scope ${sub} takes ${arity} argument(s); see --help.`);
  const [raw, username] = positionals as [string, string | undefined];
  // Refused before the database is opened: nothing changes without a reason for the audit log.
  const reason = sub === "show" ? "" : cliReason(values.reason, `wharf scope ${sub} @SCOPE USER --reason R`);
  const actor = cliActor();
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  return withAccountDeps({ ...config, secretKey }, async (deps) => {
    const ctx = { ip: "cli", userAgent: `wharf scope ${sub}` };
    const operator = { userId: null, operator: true } as const;
    // Written with the change, and only when something changed (an owner already there is no entry).
    const audit = (tx: Tx, scope: string, user: string) =>
      recordAudit(tx, deps.clock.now(), actor, {
        action: sub === "add-owner" ? "scope.owner_add" : "scope.owner_remove",
        targetType: "scope",
        target: `@${scope}`,
        reason,
        data: { username: user },
      });
    try {
      const scope =
        sub === "add-owner"
          ? await addScopeOwner(deps, ctx, operator, raw, username!, audit)
          : sub === "remove-owner"
            ? await removeScopeOwner(deps, ctx, operator, raw, username!, audit)
            : await getScope(deps.db, raw);
      const name = raw.replace(/^@/, "").toLowerCase();
      print(scope, scope?.name ?? name, await listScopePackages(deps.db, scope?.name ?? name));
      return 0;
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
  });
}
