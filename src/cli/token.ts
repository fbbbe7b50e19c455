import { recordAudit } from "../admin/index.js";
import type { Config } from "../config.js";
import { isAppError } from "../lib/errors.js";
import { ChangeFeed } from "../packages/index.js";
import { issueAdminToken, revokeLeakedToken } from "../tokens/index.js";
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

/**
 * `wharf token revoke --leaked TOKEN [--url U] [--source S] [--reason R]`: an operator told of a leak
 * (a mail, a scanner that is not GitHub) revokes the token through the same path as GitHub's reports:
 * recorded in the owner's security history with where it leaked, the owner mailed, the audit log naming
 * the operator (cli:<os user>@<host>) and the token's id (never the token). Running servers drop the
 * token from their caches over Redis, or within a second from the change log without it.
 */
export async function tokenRevokeLeaked(
  config: Config & { secretKey: string },
  opts: { leaked?: string; url?: string; source?: string; reason?: string },
): Promise<number> {
  let token = opts.leaked?.trim();
  if (token === "-") token = (await readStdin()).trim();
  if (!token)
    throw new UsageError("--leaked TOKEN is required (or --leaked - to read it from standard input)");
  const url = opts.url?.trim() ?? "";
  const source = opts.source?.trim() ?? "";
  const reason = opts.reason?.trim()
    ? cliReason(opts.reason, "wharf token revoke --leaked TOKEN --reason R")
    : `leaked${url ? ` at ${url}` : ""}`.slice(0, 500);
  const actor = cliActor();
  const redis = config.redisUrl
    ? new (await import("ioredis")).Redis(config.redisUrl, { maxRetriesPerRequest: 2 })
    : undefined;
  redis?.on("error", () => undefined);
  let changes: ChangeFeed | undefined;
  try {
    return await withAccountDeps(config, async (base) => {
      changes = new ChangeFeed(redis, config.redisPrefix, base.db);
      const outcome = await revokeLeakedToken(
        { ...base, changes },
        { token, url, source },
        {
          by: "the registry's operators",
          ctx: { ip: "cli", userAgent: "wharf token revoke --leaked" },
          alsoInTransaction: (tx, revoked) =>
            recordAudit(tx, base.clock.now(), actor, {
              action: "token.revoke_leaked",
              targetType: "user",
              target: revoked.username ?? "",
              reason,
              data: { tokenId: revoked.tokenId, url, source },
            }),
        },
      );
      if (outcome.kind === "unknown") {
        console.error("Not a token of this registry: nothing was revoked.");
        return 1;
      }
      const owner = outcome.username ? ` of ${outcome.username}` : "";
      console.log(
        outcome.kind === "revoked"
          ? `Revoked the token "${outcome.name}"${owner}; the owner is told by email, the leak is in their security history.`
          : `The token "${outcome.name}"${owner} was already revoked: nothing changed.`,
      );
      return 0;
    });
  } finally {
    changes?.close();
    redis?.disconnect();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
