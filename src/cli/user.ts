import { join } from "node:path";
import pino from "pino";
import { type AccountDeps, listUsers, registerUser } from "../accounts/index.js";
import { recordAudit } from "../admin/index.js";
import type { Config } from "../config.js";
import { migrateToLatest, openDatabase } from "../db/index.js";
import { systemClock } from "../lib/clock.js";
import { Keyring } from "../lib/crypto.js";
import { isAppError } from "../lib/errors.js";
import { createMailer } from "../mail/index.js";
import { attachOutbox } from "../notify/index.js";
import { createRateLimiters } from "../ratelimit/index.js";
import { UsageError } from "./args.js";
import { cliActor, cliReason } from "./audit.js";
import { promptHidden, readStdin } from "./password-prompt.js";

export async function withAccountDeps<T>(
  config: Config & { secretKey: string },
  fn: (deps: AccountDeps) => Promise<T>,
): Promise<T> {
  const handle = openDatabase(config.databaseUrl);
  const { db, close } = handle;
  await migrateToLatest(handle, { keys: new Keyring(config.secretKey) });
  const log = pino({ level: config.logLevel }, pino.destination(2));
  const mailer = createMailer({
    outboxDir: join(config.dataDir, "outbox"),
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    logger: log,
  });
  const deps: AccountDeps = {
    db,
    clock: systemClock,
    keys: new Keyring(config.secretKey),
    mailer,
    limits: createRateLimiters({ prefix: "cli:" }),
    log,
    config,
  };
  // A command's security mail (operator reset, admin token) is sent as its transaction commits, as in
  // the server; if that send fails, the server's outbox job retries it.
  const detach = attachOutbox(deps);
  try {
    return await fn(deps);
  } finally {
    detach();
    await mailer.close();
    await close();
  }
}

export async function userCreate(
  config: Config & { secretKey: string },
  opts: {
    username?: string;
    email?: string;
    passwordStdin: boolean;
    verified: boolean;
    admin: boolean;
    reason?: string;
  },
): Promise<void> {
  if (!opts.username || !opts.email) throw new UsageError("--username and --email are required");
  // Making an operator is an operator write: it needs a reason for the audit log, checked before the
  // password prompt. A plain account is not an admin action and is not logged there.
  const reason = opts.admin
    ? cliReason(opts.reason, "wharf user create --username U --email E --admin --reason R")
    : null;
  const actor = cliActor();
  let password: string;
  if (opts.passwordStdin) password = await readStdin();
  else if (process.stdin.isTTY) {
    password = await promptHidden("Password: ");
    if ((await promptHidden("Repeat password: ")) !== password)
      throw new UsageError("The passwords do not match.");
  } else throw new UsageError("No terminal to ask for the password: pipe it in with --password-stdin.");
  await withAccountDeps(config, async (deps) => {
    try {
      const user = await registerUser(
        deps,
        { ip: "cli", userAgent: "wharf user create" },
        {
          username: opts.username!,
          email: opts.email!,
          password,
          verified: opts.verified,
          admin: opts.admin,
        },
        {
          viaOperator: true,
          alsoInTransaction: reason
            ? (tx, user) =>
                recordAudit(tx, deps.clock.now(), actor, {
                  action: "user.create_admin",
                  targetType: "user",
                  target: user.username,
                  reason,
                  data: { email: user.email, verified: user.emailVerified },
                })
            : undefined,
        },
      );
      process.stdout.write(
        `Created ${user.isAdmin ? "admin " : ""}user ${user.username} <${user.email}>${user.emailVerified ? " (email verified)" : " (verification link sent)"}\n`,
      );
    } catch (e) {
      if (isAppError(e)) throw new UsageError(e.message);
      throw e;
    }
  });
}

export async function userList(config: Config & { secretKey: string }): Promise<void> {
  await withAccountDeps(config, async (deps) => {
    const users = await listUsers(deps.db);
    const rows = users.map((u) => [
      u.username,
      u.email,
      u.emailVerified ? "yes" : "no",
      u.isAdmin ? "yes" : "",
      u.isFrozen ? "frozen" : "",
      new Date(u.createdAt).toISOString().slice(0, 10),
    ]);
    const header = ["USERNAME", "EMAIL", "VERIFIED", "ADMIN", "STATE", "CREATED"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [header, ...rows])
      process.stdout.write(
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}\n`,
      );
    if (users.length === 0) process.stdout.write("(no users yet)\n");
  });
}
