import { recordAudit } from "../admin/index.js";
import type { Config } from "../config.js";
import { mfaStatus, resetMfa } from "../mfa/index.js";
import { UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { withAccountDeps } from "./user.js";

type Cfg = Config & { secretKey: string };
const when = (ms: number | null) =>
  ms ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "never";

/** `wharf user mfa-status U`: what an operator needs before helping someone who lost a factor. */
export async function userMfaStatus(config: Cfg, username?: string): Promise<void> {
  if (!username) throw new UsageError("Give a username: wharf user mfa-status USERNAME");
  await withAccountDeps(config, async (deps) => {
    const s = await mfaStatus(
      { ...deps, config: { ...deps.config, secureCookies: config.secureCookies } },
      username,
    );
    if (!s) throw new UsageError(`No user named '${username}'.`);
    const f = s.factors;
    const lines = [
      `user: ${s.username}`,
      `mfa: ${f.enrolled ? (f.phishingResistant ? "enabled (phishing-resistant)" : "enabled") : "not enrolled"}`,
      `authenticator app: ${f.totp ? `yes (added ${when(f.totp.createdAt)}, last used ${when(f.totp.lastUsedAt)})` : "no"}`,
      `security keys / passkeys: ${f.keys.length}`,
      ...f.keys.map(
        (k) =>
          `  - ${k.label} (${k.isPasskey ? "passkey" : "security key"}, added ${when(k.createdAt)}, last used ${when(k.lastUsedAt)})`,
      ),
      `recovery codes left: ${f.recoveryCodesRemaining}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  });
}

/** `wharf user reset-mfa U --reason R`: wipes factors, ends sessions, records why, tells the user. */
export async function userResetMfa(
  config: Cfg,
  username: string | undefined,
  reason: string | undefined,
): Promise<void> {
  if (!username) throw new UsageError("Give a username: wharf user reset-mfa USERNAME --reason TEXT");
  const why = cliReason(reason, "wharf user reset-mfa USERNAME --reason TEXT");
  const actor = cliActor();
  await withAccountDeps(config, async (deps) => {
    const ok = await resetMfa(
      { ...deps, config: { ...deps.config, secureCookies: config.secureCookies } },
      username,
      why,
      // The user's own history keeps saying "operator": the shell account and host are for the log.
      "operator",
      // The console's entry, in the reset's transaction.
      (tx) =>
        recordAudit(tx, deps.clock.now(), actor, {
          action: "user.reset_mfa",
          targetType: "user",
          target: username,
          reason: why,
        }),
    );
    if (!ok) throw new UsageError(`No user named '${username}'.`);
    process.stdout.write(
      `Reset two-factor authentication for ${username}; all sessions ended; the user was emailed.\n`,
    );
  });
}
