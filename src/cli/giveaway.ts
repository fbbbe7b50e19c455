import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { loadConfig, resolveSecretKey } from "../config.js";
import { giveawayInventory, loadCodes } from "../giveaway/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { withAccountDeps } from "./user.js";

export const GIVEAWAY_HELP = `Usage: wharf giveaway <load FILE [--batch NAME] | status [--json]> [settings]

  load FILE   Load security-key promo codes: one per line, or a CSV whose first column is the code
              (a "code" header is skipped; codes already loaded are skipped)
  status      Inventory: codes loaded, claimed, available, and who claimed when

Maintainers of critical projects claim up to 2 codes each at /account/security-keys.

${SETTINGS_HELP}`;

export async function giveawayCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { batch: { type: "string" }, json: { type: "boolean" } });
  const help = asksHelp(values, sub);
  if (help || (sub !== "load" && sub !== "status")) {
    console.log(GIVEAWAY_HELP);
    return help ? 0 : 2;
  }
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  return withAccountDeps({ ...config, secretKey }, async (deps) => {
    if (sub === "load") {
      const file = positionals[0];
      if (!file) throw new UsageError("Give the file: wharf giveaway load codes.csv");
      const text = await readFile(file, "utf8").catch(() => {
        throw new UsageError(`Cannot read ${file}`);
      });
      const r = await loadCodes(deps, text, (values.batch as string | undefined) ?? basename(file));
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
