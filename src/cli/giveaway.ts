import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { recordAudit } from "../admin/index.js";
import { loadConfig, resolveSecretKey } from "../config.js";
import { giveawayInventory, loadCodes } from "../giveaway/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

export const GIVEAWAY_HELP = `Usage: wharf giveaway <load FILE --reason R [--batch NAME] | status [--json]> [settings]

  load FILE   Load security-key promo codes: one per line, or a CSV whose first column is the code
              (a "code" header is skipped; codes already loaded are skipped). --reason R (required,
              3-500 characters) goes into the audit log (/admin/audit) with the operator named
              cli:<os user>@<host>; the codes themselves never do.
  status      Inventory: codes loaded, claimed, available, and who claimed when

Maintainers of critical projects claim up to 2 codes each at /account/security-keys.

${SETTINGS_HELP}`;

export async function giveawayCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    batch: { type: "string" },
    reason: { type: "string" },
    json: { type: "boolean" },
  });
  const help = asksHelp(values, sub);
  if (help || (sub !== "load" && sub !== "status")) {
    console.log(GIVEAWAY_HELP);
    return help ? 0 : 2;
  }
  // Refused before the database is opened: nothing changes without a reason for the audit log.
  const reason = sub === "load" ? cliReason(values.reason, "wharf giveaway load FILE --reason R") : "";
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  return withAccountDeps({ ...config, secretKey }, async (deps) => {
    if (sub === "load") {
      const file = positionals[0];
      if (!file) throw new UsageError("Give the file: wharf giveaway load codes.csv");
      const text = await readFile(file, "utf8").catch(() => {
        throw new UsageError(`Cannot read ${file}`);
      });
      const batch = (values.batch as string | undefined) ?? basename(file);
      const actor = cliActor();
      const r = await loadCodes(deps, text, batch, (tx, counts) =>
        recordAudit(tx, deps.clock.now(), actor, {
          action: "giveaway.load",
          targetType: "giveaway",
          target: batch,
          reason,
          data: counts,
        }),
      );
      console.log(`Loaded ${r.added} code(s); ${r.skipped} skipped (already loaded or duplicated).`);
      return 0;
    }
    const inv = await giveawayInventory(deps);
    if (values.json) console.log(JSON.stringify(inv, null, 2));
    else {
      console.log(`codes: ${inv.total}  claimed: ${inv.claimed}  available: ${inv.available}`);
      for (const c of inv.claims)
        console.log(`  ${new Date(c.claimedAt).toISOString().slice(0, 16)}  ${c.username}  (${c.batch})`);
    }
    return 0;
  });
}
