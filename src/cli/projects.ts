import { closeProjectQuarantine, quarantineProject, quarantineQueue } from "../admin/index.js";
import { loadConfig, resolveSecretKey } from "../config.js";
import { isAppError } from "../lib/errors.js";
import { ChangeFeed } from "../packages/index.js";
import { asksHelp, parse, SETTINGS_HELP, settingFlags, UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

export const PROJECT_HELP = `Usage: wharf project <quarantine | release | reject> ECOSYSTEM/NAME --reason TEXT [settings]
       wharf project release ECOSYSTEM/NAME --reason TEXT --allow-lookalike [settings]
       wharf project queue [settings]

  quarantine ECOSYSTEM/NAME  Hide the project from installers, listings and search, and freeze it for its
                             owners; its files stay for inspection and its name stays taken
  release ECOSYSTEM/NAME     Lift the quarantine: everything is served again. With --allow-lookalike
                             (a held look-alike), also allow its exact name so it is not held again
  reject ECOSYSTEM/NAME      Close the review and keep the project quarantined for good
  queue                      The projects waiting for review, oldest first: held look-alikes,
                             quarantines and projects with open malware reports

ECOSYSTEM is pypi, npm or rubygems (e.g. pypi/reqeusts, npm/@acme/tool). Every change is in the console's
audit log, by cli:<os user>@<host>.

${SETTINGS_HELP}`;

const CHANGES = ["quarantine", "release", "reject"] as const;

function target(raw: string | undefined): { ecosystem: string; name: string } {
  const slash = raw?.indexOf("/") ?? -1;
  if (!raw || slash <= 0 || slash === raw.length - 1)
    throw new UsageError("Name the project as ECOSYSTEM/NAME, e.g. pypi/reqeusts or npm/@acme/tool.");
  return { ecosystem: raw.slice(0, slash), name: raw.slice(slash + 1) };
}

/** `wharf project ...`: quarantine as an operator action from the shell (issue 18 item 2). */
export async function projectCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    reason: { type: "string" },
    "allow-lookalike": { type: "boolean" },
  });
  const change = CHANGES.find((c) => c === sub);
  const help = asksHelp(values, sub);
  if (help || !(change || sub === "queue")) {
    console.log(PROJECT_HELP);
    return help ? 0 : 2;
  }
  if (positionals.length !== (change ? 1 : 0))
    throw new UsageError(
      `wharf project ${sub} takes ${change ? "ECOSYSTEM/NAME" : "no argument"}; see --help.`,
    );
  if (values["allow-lookalike"] && change !== "release")
    throw new UsageError("--allow-lookalike goes with wharf project release.");
  // Refused before the database is opened: nothing changes without a reason for the audit log.
  const t = change ? target(positionals[0]) : { ecosystem: "", name: "" };
  const reason = change ? cliReason(values.reason, `wharf project ${sub} ECOSYSTEM/NAME --reason TEXT`) : "";
  const config = loadConfig(process.env, settingFlags(values));
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  // Running servers drop their cached pages of the project on this feed when they share Redis.
  const redis = config.redisUrl
    ? new (await import("ioredis")).Redis(config.redisUrl, { maxRetriesPerRequest: 2 })
    : undefined;
  redis?.on("error", () => undefined);
  let changes: ChangeFeed | undefined;
  try {
    return await withAccountDeps({ ...config, secretKey }, async (base) => {
      // With Redis the change goes out on its channel; without, into the change log servers read.
      changes = new ChangeFeed(redis, config.redisPrefix, base.db);
      const deps = { ...base, changes };
      const actor = cliActor();
      if (change === "quarantine") {
        const p = await quarantineProject(deps, actor, t.ecosystem, t.name, reason);
        console.log(
          `${p.ecosystem}/${p.name} is quarantined: hidden from installers, frozen for its owners.`,
        );
      } else if (change) {
        const outcome = change === "release" ? "released" : "rejected";
        const allowLookalike = values["allow-lookalike"] === true;
        const p = await closeProjectQuarantine(deps, actor, t.ecosystem, t.name, outcome, reason, {
          allowLookalike,
        });
        console.log(
          change === "release"
            ? `${p.ecosystem}/${p.name} is released and served again.${allowLookalike ? " Its name is allowed despite its look-alike." : ""}`
            : `${p.ecosystem}/${p.name} is rejected: it stays hidden, its name taken and its files kept.`,
        );
      } else {
        const queue = await quarantineQueue(deps);
        if (queue.length === 0) console.log("Nothing waits for review.");
        for (const e of queue) {
          const similar = e.similarTo ? ` (looks like ${e.similarTo})` : "";
          const n = e.reports.length;
          const reports = n ? ` [${n} open report${n === 1 ? "" : "s"}]` : "";
          console.log(
            `${e.ecosystem}/${e.projectName}  ${e.kind}${similar}${e.quarantined ? "" : ", still served"}  by ${e.openedBy}, ${new Date(e.openedAt).toISOString()}: ${e.reason}${reports}`,
          );
        }
      }
      return 0;
    });
  } catch (e) {
    if (isAppError(e)) throw new UsageError(e.message);
    throw e;
  } finally {
    changes?.close();
    redis?.disconnect();
  }
}
