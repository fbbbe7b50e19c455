import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { SETTINGS, type SettingName } from "./config-settings.js";
import { randomToken } from "./lib/crypto.js";
import { type OidcProviderConfig, parseOidcProviders } from "./oidc/providers.js";
import { parseTrustProxy, type TrustProxy } from "./ops/trust-proxy.js";
import { parseInlineKeys, type ScanningKey } from "./secret-scanning/keys.js";

export { describeConfig } from "./config-describe.js";
export { type OidcProviderConfig, parseOidcProviders } from "./oidc/providers.js";
export { SETTINGS, type SettingName };

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => ["true", "1", "yes"].includes(v));
const optional = z.string().transform((v) => (v === "" ? undefined : v));

const schema = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z
    .string()
    .regex(/^\d{1,5}$/, "must be a port number, 0-65535")
    .transform(Number)
    .pipe(z.number().max(65535, "must be a port number, 0-65535")),
  origin: z.url({ protocol: /^https?$/ }).optional(),
  siteName: z.string().min(1).max(64),
  registration: z.enum(["open", "closed"]),
  databaseUrl: optional.pipe(
    z
      .string()
      .regex(/^(sqlite:|postgres(ql)?:\/\/)/, "must start with sqlite: or postgres://")
      .optional(),
  ),
  redisUrl: optional.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss://")
      .optional(),
  ),
  redisPrefix: z.string(),
  smtpUrl: optional.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, "must start with smtp:// or smtps://")
      .optional(),
  ),
  mailFrom: z.string().min(3),
  s3Bucket: optional,
  s3Endpoint: optional.pipe(z.url().optional()),
  s3Region: z.string().min(1),
  s3AccessKeyId: optional,
  s3SecretAccessKey: optional,
  s3ForcePathStyle: bool,
  s3Prefix: z.string(),
  secretKey: optional.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  uploadLimitMb: z
    .string()
    .regex(/^\d+$/, "must be a whole number of megabytes")
    .transform(Number)
    .pipe(z.number().min(1).max(100_000)),
  sessionIdleMinutes: z
    .string()
    .regex(/^\d+$/, "must be a whole number of minutes")
    .transform(Number)
    .pipe(
      z
        .number()
        .min(5)
        .max(60 * 24 * 30),
    ),
  sessionMaxDays: z
    .string()
    .regex(/^\d+$/, "must be a whole number of days")
    .transform(Number)
    .pipe(z.number().min(1).max(365)),
  recoveryWaitDays: z
    .string()
    .regex(/^\d+$/, "must be a whole number of days")
    .transform(Number)
    .pipe(z.number().min(1).max(90)),
  recoveryCriticalWaitDays: z
    .string()
    .regex(/^\d+$/, "must be a whole number of days")
    .transform(Number)
    .pipe(z.number().min(1).max(180)),
  pwnedPasswordsUrl: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  pwnedPasswordsFailOpen: bool,
  tokenCacheSeconds: z
    .string()
    .regex(/^\d+$/, "must be a whole number of seconds (0: off)")
    .transform(Number)
    .pipe(z.number().max(300, "must be at most 300 seconds")),
  secretScanningKeysUrl: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  secretScanningKeys: z.string().transform((v, ctx) => {
    try {
      return parseInlineKeys(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  }),
  trustProxy: z.string().transform(parseTrustProxy),
  metricsToken: optional.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  metricsAddress: optional.pipe(
    z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, "must be host:port, e.g. 127.0.0.1:9464")
      .refine(
        (v) => Number(v.slice(v.lastIndexOf(":") + 1)) <= 65535,
        "must be host:port, e.g. 127.0.0.1:9464",
      )
      .optional(),
  ),
  hsts: z
    .string()
    .trim()
    .max(200)
    .regex(
      /^(off|max-age=\d{1,9}( *; *(includeSubDomains|preload))*)$/,
      "must be off or max-age=SECONDS[; includeSubDomains][; preload]",
    ),
  dnsServers: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\[[0-9a-fA-F:.]+\](:\d{1,5})?|[0-9a-fA-F:.]+)$/,
            "must be IP addresses, [IPv6]:port or IPv4:port",
          ),
      ),
    ),
  domainCheckIntervalMinutes: z
    .string()
    .regex(/^\d+$/, "must be a whole number of minutes (0: off)")
    .transform(Number)
    .pipe(z.number().max(60 * 24 * 7)),
  domainCheckBatch: z
    .string()
    .regex(/^\d+$/, "must be a whole number of domains")
    .transform(Number)
    .pipe(z.number().min(1).max(100_000)),
  domainCheckMaxAccounts: z
    .string()
    .regex(/^\d+$/, "must be a whole number of accounts")
    .transform(Number)
    .pipe(z.number().min(1)),
  domainCheckCanary: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,63}$/i, "must be a domain name such as example.com"),
  typosquatAction: z.enum(["hold", "refuse", "off"]),
  stagedReleaseDays: z
    .string()
    .regex(/^\d+$/, "must be a whole number of days")
    .transform(Number)
    .pipe(z.number().min(1).max(365)),
  typosquatProtectTop: z
    .string()
    .regex(/^\d+$/, "must be a whole number of projects")
    .transform(Number)
    .pipe(z.number().max(1_000_000)),
  oidcProviders: z.string().transform((v, ctx) => {
    try {
      return parseOidcProviders(v);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
});

export interface Config {
  dataDir: string;
  host: string;
  port: number;
  origin: string;
  secureCookies: boolean;
  siteName: string;
  registration: "open" | "closed";
  databaseUrl: string;
  redisUrl?: string;
  redisPrefix: string;
  smtpUrl?: string;
  mailFrom: string;
  s3?: {
    bucket: string;
    endpoint?: string;
    region: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
    prefix: string;
  };
  /** Set by resolveSecretKey before the server starts. */
  secretKey?: string;
  uploadLimitBytes: number;
  sessionIdleMs: number;
  sessionMaxMs: number;
  recoveryWaitMs: number;
  recoveryCriticalWaitMs: number;
  /** The range API new passwords are checked against (k-anonymity); off when undefined. */
  pwnedPasswordsUrl?: string;
  pwnedPasswordsFailOpen: boolean;
  /** How long a verified token is cached (tokens/cache.ts); 0: not at all. */
  tokenCacheMs: number;
  /** Leaked-token reports (secret-scanning/): key source; reports are refused when neither is set. */
  secretScanning: { keysUrl?: string; keys: ScanningKey[] };
  /** false, a hop count, or proxy addresses/CIDRs (see trust-proxy.ts); never "trust everyone". */
  trustProxy: TrustProxy;
  metricsToken?: string;
  metricsAddress?: { host: string; port: number };
  /** The Strict-Transport-Security value; undefined when off or the origin is not https. */
  hsts?: string;
  /** The periodic DNS check of email domains (admin/domain-check.ts); intervalMs 0: off. */
  domainCheck: {
    dnsServers: string[];
    intervalMs: number;
    batch: number;
    maxAccounts: number;
    canary: string;
  };
  /** What a new name imitating a protected one gets (packages/typosquat.ts). */
  typosquatAction: "hold" | "refuse" | "off";
  typosquatProtectTop: number;
  /** Trusted publishing's identity providers (WHARF_OIDC_PROVIDERS); empty: off. */
  oidcProviders: OidcProviderConfig[];
  /** How long a staged release waits for approval before it expires (staging/). */
  stagedReleaseMs: number;
  logLevel: string;
}

export class ConfigError extends Error {}

function splitHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  return { host: value.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(value.slice(i + 1)) };
}

function flagName(setting: string): string {
  return `--${setting.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(env: NodeJS.ProcessEnv, flags: Record<string, string | undefined> = {}): Config {
  const raw: Record<string, string> = {};
  for (const [name, s] of Object.entries(SETTINGS)) {
    const value = flags[name] ?? env[s.env];
    if (value !== undefined) raw[name] = value;
    else if (!/<(port|dataDir)>/.test(s.def)) raw[name] = s.def;
    else raw[name] = "";
  }
  if (raw.origin === "") delete raw.origin;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as SettingName;
      const s = SETTINGS[key];
      return `  ${s ? `${s.env} (${flagName(key)})` : key}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const origin = (c.origin ?? `http://localhost:${c.port}`).replace(/\/+$/, "");
  if (c.s3Bucket === undefined && (c.s3Endpoint || c.s3AccessKeyId)) {
    throw new ConfigError(
      "Invalid configuration:\n  WHARF_S3_BUCKET (--s3-bucket): required when other WHARF_S3_* settings are given",
    );
  }
  return {
    dataDir,
    host: c.host,
    port: c.port,
    origin,
    secureCookies: origin.startsWith("https://"),
    siteName: c.siteName,
    registration: c.registration,
    databaseUrl: c.databaseUrl ?? `sqlite:${join(dataDir, "wharf.db")}`,
    redisUrl: c.redisUrl,
    redisPrefix: c.redisPrefix,
    smtpUrl: c.smtpUrl,
    mailFrom: c.mailFrom,
    s3: c.s3Bucket
      ? {
          bucket: c.s3Bucket,
          endpoint: c.s3Endpoint,
          region: c.s3Region,
          accessKeyId: c.s3AccessKeyId,
          secretAccessKey: c.s3SecretAccessKey,
          forcePathStyle: c.s3ForcePathStyle,
          prefix: c.s3Prefix,
        }
      : undefined,
    secretKey: c.secretKey,
    uploadLimitBytes: c.uploadLimitMb * 1024 * 1024,
    sessionIdleMs: c.sessionIdleMinutes * 60_000,
    sessionMaxMs: c.sessionMaxDays * 86_400_000,
    // A critical project's maintainer never waits less than everyone else.
    recoveryWaitMs: c.recoveryWaitDays * 86_400_000,
    recoveryCriticalWaitMs: Math.max(c.recoveryCriticalWaitDays, c.recoveryWaitDays) * 86_400_000,
    pwnedPasswordsUrl: c.pwnedPasswordsUrl,
    pwnedPasswordsFailOpen: c.pwnedPasswordsFailOpen,
    tokenCacheMs: c.tokenCacheSeconds * 1000,
    secretScanning: { keysUrl: c.secretScanningKeysUrl, keys: c.secretScanningKeys },
    trustProxy: c.trustProxy,
    metricsToken: c.metricsToken,
    metricsAddress: c.metricsAddress ? splitHostPort(c.metricsAddress) : undefined,
    // HSTS over plain http is ignored by browsers (RFC 6797 §8.1) and would only confuse a test setup.
    hsts: origin.startsWith("https://") && c.hsts !== "off" ? c.hsts : undefined,
    domainCheck: {
      dnsServers: c.dnsServers,
      intervalMs: c.domainCheckIntervalMinutes * 60_000,
      batch: c.domainCheckBatch,
      maxAccounts: c.domainCheckMaxAccounts,
      canary: c.domainCheckCanary.toLowerCase(),
    },
    typosquatAction: c.typosquatAction,
    typosquatProtectTop: c.typosquatProtectTop,
    oidcProviders: c.oidcProviders,
    stagedReleaseMs: c.stagedReleaseDays * 86_400_000,
    logLevel: c.logLevel,
  };
}

/**
 * The secret key signs cookies and links and encrypts TOTP secrets. When the operator gives none, one
 * is generated once into the data dir (mode 0600) so restarts keep sessions and secrets readable.
 */
export function resolveSecretKey(config: Config, log: (msg: string) => void): string {
  if (config.secretKey) return config.secretKey;
  const file = join(config.dataDir, "secret.key");
  if (existsSync(file)) {
    config.secretKey = readFileSync(file, "utf8").trim();
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    config.secretKey = randomToken(48);
    writeFileSync(file, `${config.secretKey}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    log(`Generated a new secret key in ${file} (mode 0600). Back it up, or set WHARF_SECRET_KEY.`);
  }
  return config.secretKey;
}
