import { join } from "node:path";
import type { Config } from "./config.js";
import { SETTINGS, type SettingName } from "./config-settings.js";

/** Shown as "(set, redacted)": their value is a credential. */
const SECRET_SETTINGS: SettingName[] = ["secretKey", "s3SecretAccessKey", "metricsToken"];
/** Shown with the password part of the URL redacted. */
const URL_SETTINGS: SettingName[] = ["databaseUrl", "redisUrl", "smtpUrl"];

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "REDACTED";
    return u.toString();
  } catch {
    return url;
  }
}

/** The effective settings as `wharf config check` prints them, secrets redacted. */
export function describeConfig(config: Config): Array<[string, string]> {
  const values: Record<SettingName, string | undefined> = {
    dataDir: config.dataDir,
    host: config.host,
    port: String(config.port),
    origin: config.origin,
    siteName: config.siteName,
    registration: config.registration,
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    s3Bucket: config.s3?.bucket,
    s3Endpoint: config.s3?.endpoint,
    s3Region: config.s3?.region,
    s3AccessKeyId: config.s3?.accessKeyId,
    s3SecretAccessKey: config.s3?.secretAccessKey,
    s3ForcePathStyle: config.s3 ? String(config.s3.forcePathStyle) : undefined,
    s3Prefix: config.s3?.prefix,
    secretKey: config.secretKey,
    uploadLimitMb: String(config.uploadLimitBytes / 1024 / 1024),
    sessionIdleMinutes: String(config.sessionIdleMs / 60_000),
    sessionMaxDays: String(config.sessionMaxMs / 86_400_000),
    recoveryWaitDays: String(config.recoveryWaitMs / 86_400_000),
    recoveryCriticalWaitDays: String(config.recoveryCriticalWaitMs / 86_400_000),
    pwnedPasswordsUrl: config.pwnedPasswordsUrl,
    pwnedPasswordsFailOpen: String(config.pwnedPasswordsFailOpen),
    tokenCacheSeconds: String(config.tokenCacheMs / 1000),
    secretScanningKeysUrl: config.secretScanning.keysUrl,
    secretScanningKeys: config.secretScanning.keys.length
      ? config.secretScanning.keys.map((k) => k.id.slice(0, 12)).join(", ")
      : undefined,
    trustProxy: Array.isArray(config.trustProxy) ? config.trustProxy.join(",") : String(config.trustProxy),
    metricsToken: config.metricsToken,
    metricsAddress: config.metricsAddress
      ? `${config.metricsAddress.host}:${config.metricsAddress.port}`
      : undefined,
    hsts: config.hsts ?? "off",
    dnsServers: config.domainCheck.dnsServers.join(",") || undefined,
    domainCheckIntervalMinutes: String(config.domainCheck.intervalMs / 60_000),
    domainCheckBatch: String(config.domainCheck.batch),
    domainCheckMaxAccounts: String(config.domainCheck.maxAccounts),
    domainCheckCanary: config.domainCheck.canary,
    typosquatAction: config.typosquatAction,
    typosquatProtectTop: String(config.typosquatProtectTop),
    oidcProviders: config.oidcProviders.map((p) => `${p.provider}=${p.issuer}`).join(",") || "(off)",
    stagedReleaseDays: String(config.stagedReleaseMs / 86_400_000),
    logLevel: config.logLevel,
  };
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    let v = values[name];
    if (v && SECRET_SETTINGS.includes(name)) v = "(set, redacted)";
    else if (v && URL_SETTINGS.includes(name)) v = redactUrl(v);
    if (name === "secretKey" && !v) v = `(generated in ${join(config.dataDir, "secret.key")} at first start)`;
    return [SETTINGS[name].env, v ?? "(unset)"];
  });
}
