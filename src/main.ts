// Only what every command needs is imported here: the settings and the argument parser. Each command
// imports its own modules when it runs (dynamic import), so `wharf --help` or `wharf config check` does
// not load the web app, the database drivers and every feature (~1 s of CPU before this).
import { type Options, parse, SETTINGS_HELP, settingFlags, UsageError } from "./cli/args.js";
import { type Config, ConfigError, describeConfig, loadConfig, resolveSecretKey } from "./config.js";

const HELP: Record<string, string> = {
  main: `Usage: wharf <command> [options]

Commands:
  serve          Run the registry (migrates the database first)
  migrate        Apply pending database migrations
  config check   Print the effective settings, secrets redacted
  user create    Create an account: --username U --email E [--password-stdin] [--verified] [--admin --reason R]
  user list      List accounts
  user mfa-status U            Show a user's second factors
  user reset-mfa U --reason R  Remove every second factor (recorded, emailed, sessions ended)
  giveaway       Security-key promo codes: load FILE | status
  scope          npm scope owners: show @SCOPE | add-owner @SCOPE USER | remove-owner @SCOPE USER
  name           look-alike overrides: allow-lookalike | revoke-lookalike ECOSYSTEM NAME --reason TEXT
  project        quarantine: quarantine | release | reject ECOSYSTEM/NAME --reason TEXT | queue
  domains        abandoned email domains: check [--domain D] --reason TEXT | list
  policy mandate Define MFA mandates: create | update | list | archive (see --help)
  policy compute | rule | critical | simulate
                 Critical projects: rank by downloads now, the rule, designate by hand, simulate a mandate
  stats import FILE  Import download statistics: a combined access log or a CSV (see --help)
  stats imports      The statistics imports so far (file, source, size, rows, days, hash)
  storage reconcile [--dry-run]  Compare blobs with file rows: delete orphans, report missing blobs
  token create   Issue an API token for a user: --user U --reason R [--project NAME]... [--expires DAYS]
  token revoke --leaked TOKEN  Revoke a token found in public: [--url U] [--source S] (owner mailed, audited)

Operator writes (--admin, reset-mfa, token create, scope owners, critical projects, mandates,
giveaway load) require --reason and are recorded in the audit log (/admin/audit) as cli:<os user>@<host>.

Run 'wharf <command> --help' for a command's options.`,
  serve: `Usage: wharf serve [settings]\n\nServes the registry on --host/--port. SIGTERM or SIGINT stops it gracefully.\n\n${SETTINGS_HELP}`,
  migrate: `Usage: wharf migrate [settings]\n\nApplies pending migrations to WHARF_DATABASE_URL and prints their names.\n\n${SETTINGS_HELP}`,
  "config check": `Usage: wharf config check [settings]\n\nValidates the settings and prints the effective values with secrets redacted.\nExits 2 on an invalid value.\n\n${SETTINGS_HELP}`,
  "user create": `Usage: wharf user create --username U --email E [--password-stdin] [--verified] [--admin --reason R] [settings]

  --username U        ASCII letters, digits, '-', '_' and '.', 1-50 characters
  --email E           The account's email address
  --password-stdin    Read the password from standard input (else prompt on the terminal)
  --verified          Mark the email address as verified (no link is sent)
  --admin             Make the account an operator (admin); needs --reason
  --reason R          Why (3-500 characters): recorded in the audit log (/admin/audit) with the
                      operator named cli:<os user>@<host>

${SETTINGS_HELP}`,
  "user list": `Usage: wharf user list [settings]\n\nLists every account.\n\n${SETTINGS_HELP}`,
  "user mfa-status": `Usage: wharf user mfa-status USERNAME [settings]\n\nShows the user's second factors: authenticator app, security keys and passkeys, recovery codes left.\n\n${SETTINGS_HELP}`,
  "user reset-mfa": `Usage: wharf user reset-mfa USERNAME --reason TEXT [settings]\n\nRemoves every second factor and recovery code, ends all sessions and remembered browsers, records the\nreason in the user's security history and in the audit log (/admin/audit, operator cli:<os user>@<host>)\nand emails the user. --reason (3-500 characters) is required. Verify who is asking before you run it.\n\n${SETTINGS_HELP}`,
  "token create": `Usage: wharf token create --user U --reason R [--project NAME]... [--expires DAYS] [settings]

Issues an API token for automation and prints only the token. Recorded as admin-issued; the user is told by email.

  --user U            The account the token acts for
  --reason R          Why (3-500 characters): recorded in the audit log (/admin/audit) with the
                      operator named cli:<os user>@<host>; the token itself never is
  --project NAME      Scope the token to this project (repeatable); the whole account when omitted
  --expires DAYS      Expire after this many days (default: never)

${SETTINGS_HELP}`,
  "token revoke": `Usage: wharf token revoke --leaked TOKEN [--url URL] [--source WHERE] [--reason R] [settings]

Revokes an API token that was found in public, as a secret scanner's report does: the owner's security
history records where it leaked, the owner is emailed, and the audit log (/admin/audit) names the
operator cli:<os user>@<host> and the token's id (never the token). Running servers stop accepting it
within about a second. Exits 1 if the string is not a token of this registry.

  --leaked TOKEN      The token as found (--leaked - reads it from standard input)
  --url URL           Where it was found
  --source WHERE      What kind of place (commit, issue comment, chat, ...)
  --reason R          For the audit log (default: "leaked at URL")

${SETTINGS_HELP}`,
};

function configFrom(values: Record<string, unknown>): Config {
  return loadConfig(process.env, settingFlags(values));
}

async function serve(config: Config): Promise<void> {
  const { countUsers } = await import("./accounts/index.js");
  const { buildApp } = await import("./app.js");
  const { lockDataDir, prepareDataDir } = await import("./storage/data-dir.js");
  // Before anything in the data folder is read, created or swept (the start-up sweep empties the spools).
  prepareDataDir(config.dataDir, (m) => console.error(`wharf: ${m}`));
  const lock = lockDataDir(config.dataDir);
  const secretKey = resolveSecretKey(config, (m) => console.error(m));
  const { app, deps } = await buildApp({ ...config, secretKey });
  if ((await countUsers(deps.db)) === 0) {
    app.log.info(
      `No accounts yet. Create the first admin with:  npx wharf user create --username admin --email you@example.com --admin --verified --reason 'first admin'`,
    );
    console.error(
      `\nWharf has no accounts yet. Create the first admin account with:\n\n  npx wharf user create --username admin --email you@example.com --admin --verified --reason 'first admin'\n\n(add the same --data-dir / WHARF_* settings you started the server with)\n`,
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down: finishing open requests");
    const timer = setTimeout(() => process.exit(1), 10_000);
    await app.close();
    lock.release();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await app.listen({ host: config.host, port: config.port });
  app.log.info(`Wharf is serving ${config.origin} (bound to ${config.host}:${config.port})`);
  // Started now: uploads hash on the digest workers only in a process that asked for them (digest-pool.ts).
  void (await import("./lib/digest-pool.js")).warmDigestWorker();
}

export async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === "policy" && second === "mandate")
    return (await import("./cli/mandates.js")).mandateCli(argv.slice(2));
  if (first === "policy") return (await import("./cli/policy.js")).policyCli(argv.slice(1));
  if (first === "stats") return (await import("./cli/stats.js")).statsCli(argv.slice(1));
  if (first === "giveaway") return (await import("./cli/giveaway.js")).giveawayCli(argv.slice(1));
  if (first === "scope") return (await import("./cli/scopes.js")).scopeCli(argv.slice(1));
  if (first === "name") return (await import("./cli/names.js")).nameCli(argv.slice(1));
  if (first === "project") return (await import("./cli/projects.js")).projectCli(argv.slice(1));
  if (first === "domains") return (await import("./cli/domains.js")).domainsCli(argv.slice(1));
  if (first === "storage") return (await import("./cli/storage.js")).storageCli(argv.slice(1));
  const helpAsked = (a: string | undefined) => a === "--help" || a === "-h" || a === "help";
  if ((first === "config" || first === "user" || first === "token") && (!second || helpAsked(second))) {
    // `wharf user --help`: the group's subcommands, each with its own usage line.
    const subs = Object.keys(HELP).filter((k) => k.startsWith(`${first} `));
    const lines = subs.map((k) => `  ${HELP[k]!.split("\n")[0]!.replace(/^Usage: /, "")}`);
    const text = `Usage: wharf ${first} <${subs.map((k) => k.slice(first.length + 1)).join("|")}> [options] [settings]\n\n${lines.join("\n")}\n\nRun 'wharf ${first} <command> --help' for a command's options.`;
    if (second) console.log(text);
    else console.error(text);
    return second ? 0 : 2;
  }
  const command =
    first === "config" || first === "user" || first === "token"
      ? `${first} ${second ?? ""}`.trim()
      : (first ?? "");
  const rest = argv.slice(command.split(" ").length);
  if (!first || helpAsked(first)) {
    console.log(HELP.main);
    return first ? 0 : 2;
  }
  if (!(command in HELP) || command === "main") {
    console.error(`Unknown command: wharf ${command}\n\n${HELP.main}`);
    return 2;
  }
  const extra: Options =
    command === "user create"
      ? {
          username: { type: "string" as const },
          email: { type: "string" as const },
          "password-stdin": { type: "boolean" as const },
          verified: { type: "boolean" as const },
          admin: { type: "boolean" as const },
          reason: { type: "string" as const },
        }
      : command === "user reset-mfa"
        ? { reason: { type: "string" as const } }
        : command === "token revoke"
          ? {
              leaked: { type: "string" as const },
              url: { type: "string" as const },
              source: { type: "string" as const },
              reason: { type: "string" as const },
            }
          : command === "token create"
            ? {
                user: { type: "string" as const },
                project: { type: "string" as const, multiple: true },
                expires: { type: "string" as const },
                reason: { type: "string" as const },
              }
            : {};
  const { values, positionals } = parse(rest, extra);
  if (values.help) {
    console.log(HELP[command]);
    return 0;
  }
  const config = configFrom(values);
  if (command !== "config check" && command !== "serve")
    (await import("./storage/data-dir.js")).prepareDataDir(config.dataDir, (m) =>
      console.error(`wharf: ${m}`),
    );
  switch (command) {
    case "serve":
      await serve(config);
      return -1; // keep running
    case "migrate": {
      const { migrateToLatest, openDatabase } = await import("./db/index.js");
      const { Keyring } = await import("./lib/crypto.js");
      const keys = new Keyring(resolveSecretKey(config, (m) => console.error(m)));
      const handle = openDatabase(config.databaseUrl);
      const applied = await migrateToLatest(handle, { keys }).finally(handle.close);
      console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
      return 0;
    }
    case "config check":
      for (const [k, v] of describeConfig(config)) console.log(`${k.padEnd(28)} ${v}`);
      console.log("\nConfiguration is valid.");
      return 0;
    case "user create":
      await (await import("./cli/user.js")).userCreate(
        { ...config, secretKey: resolveSecretKey(config, (m) => console.error(m)) },
        {
          username: values.username as string | undefined,
          email: values.email as string | undefined,
          passwordStdin: Boolean(values["password-stdin"]),
          verified: Boolean(values.verified),
          admin: Boolean(values.admin),
          reason: values.reason as string | undefined,
        },
      );
      return 0;
    case "token create":
      await (await import("./cli/token.js")).tokenCreate(
        { ...config, secretKey: resolveSecretKey(config, (m) => console.error(m)) },
        {
          user: values.user as string | undefined,
          projects: (values.project as unknown as string[] | undefined) ?? [],
          expires: values.expires as string | undefined,
          reason: values.reason as string | undefined,
        },
      );
      return 0;
    case "token revoke":
      return (await import("./cli/token.js")).tokenRevokeLeaked(
        { ...config, secretKey: resolveSecretKey(config, (m) => console.error(m)) },
        {
          leaked: values.leaked as string | undefined,
          url: values.url as string | undefined,
          source: values.source as string | undefined,
          reason: values.reason as string | undefined,
        },
      );
    case "user mfa-status":
      await (await import("./cli/mfa.js")).userMfaStatus(
        { ...config, secretKey: resolveSecretKey(config, (m) => console.error(m)) },
        positionals[0],
      );
      return 0;
    case "user reset-mfa":
      await (await import("./cli/mfa.js")).userResetMfa(
        { ...config, secretKey: resolveSecretKey(config, (m) => console.error(m)) },
        positionals[0],
        values.reason as string | undefined,
      );
      return 0;
    case "user list":
      await (await import("./cli/user.js")).userList({
        ...config,
        secretKey: resolveSecretKey(config, (m) => console.error(m)),
      });
      return 0;
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  async (e: unknown) => {
    if (e instanceof ConfigError || e instanceof UsageError) {
      console.error(`wharf: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    // Only a command that already loaded this module can throw its error, so the import is free then.
    // If the module itself failed to load (e.g. a broken native binding), print that original error.
    const dataDir = await import("./storage/data-dir.js").catch(() => null);
    if (dataDir && e instanceof dataDir.DataDirLockedError) {
      console.error(`wharf: ${e.message}`);
      process.exitCode = 1;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
