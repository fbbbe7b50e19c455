import { allowLookalike, listLookalikeAllowances, revokeLookalike } from "../admin/index.js";
import { loadConfig, resolveSecretKey } from "../config.js";
import { ECOSYSTEM_CHOICES } from "../ecosystems/index.js";
import { isAppError } from "../lib/errors.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

export const NAME_HELP = `Usage: wharf name <allow-lookalike | revoke-lookalike> ECOSYSTEM NAME --reason TEXT [settings]
       wharf name lookalikes [settings]

  allow-lookalike ECOSYSTEM NAME   Let this exact name be created although an existing project's name
                                   looks like it (a historic pair brought by a migration, such as
                                   djangorestframework / django-rest-framework). Its other look-alikes
                                   stay refused.
  revoke-lookalike ECOSYSTEM NAME  Refuse new projects with this name as look-alikes again
  lookalikes                       List the allowed look-alike names

ECOSYSTEM is ${ECOSYSTEM_CHOICES}. Every change is in the console's audit log, by cli:<os user>@<host>.

${SETTINGS_HELP}`;

/** `wharf name ...`: the operator's audited override of the look-alike rule (issue 13 item 8). */
export async function nameCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { reason: { type: "string" } });
  const change = sub === "allow-lookalike" || sub === "revoke-lookalike";
  const help = asksHelp(values, sub);
  if (help || !(change || sub === "lookalikes")) {
    console.log(NAME_HELP);
    return help ? 0 : 2;
  }
  if (positionals.length !== (change ? 2 : 0))
    throw new UsageError(`wharf name ${sub} takes ${change ? 2 : 0} argument(s); see --help.`);
  const [ecosystem, name] = positionals as [string, string];
  const reason = change ? cliReason(values.reason, `wharf name ${sub} ECOSYSTEM NAME --reason TEXT`) : "";
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  return withAccountDeps({ ...config, secretKey }, async (deps) => {
    try {
      if (sub === "allow-lookalike") {
        const r = await allowLookalike(deps, cliActor(), ecosystem, name, reason);
        console.log(`${r.ecosystem} project '${r.name}' can be created despite its look-alike.`);
      } else if (sub === "revoke-lookalike") {
        const r = await revokeLookalike(deps, cliActor(), ecosystem, name, reason);
        console.log(`New ${r.ecosystem} projects named '${r.name}' are refused as look-alikes again.`);
      } else {
        for (const a of await listLookalikeAllowances(deps))
          console.log(
            `${a.ecosystem}/${a.name}  by ${a.createdBy}, ${new Date(a.createdAt).toISOString()}: ${a.reason}`,
          );
      }
      return 0;
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
  });
}
