import { recordAudit } from "../admin/index.js";
import type { Config } from "../config.js";
import { isAppError } from "../lib/errors.js";
import { issueAdminToken } from "../tokens/index.js";
import { UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

/** `wharf token create`: prints only the token, so scripts can capture it. */
export async function tokenCreate(
  config: Config & { secretKey: string },
  opts: { user?: string; projects: string[]; expires?: string; reason?: string },
): Promise<void> {
  if (!opts.user) throw new UsageError("--user is required");
  const days = opts.expires === undefined ? null : Number(opts.expires);
  if (days !== null && !(Number.isInteger(days) && days > 0))
    throw new UsageError("--expires must be a whole number of days");
  const reason = cliReason(opts.reason, "wharf token create --user U --reason R");
  const actor = cliActor();
  await withAccountDeps(config, async (deps) => {
    try {
      const token = await issueAdminToken(
        { ...deps, config: { siteName: config.siteName, origin: config.origin } },
        opts.user!,
        opts.projects,
        days,
        // Never the token itself: the log names which token (its id) and what it may do.
        (tx, issued) =>
          recordAudit(tx, deps.clock.now(), actor, {
            action: "token.create",
            targetType: "user",
            target: opts.user!,
            reason,
            data: { tokenId: issued.tokenId, projects: opts.projects, expiresInDays: days },
          }),
      );
      process.stdout.write(`${token}\n`);
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
  });
}
