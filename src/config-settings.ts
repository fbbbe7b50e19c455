// The catalogue of settings, apart from how they are parsed and validated (config.ts).

/**
 * Every setting, its environment variable and flag. The README's settings table is written from this
 * list; `wharf config check` prints it with secrets redacted.
 */
export const SETTINGS = {
  dataDir: {
    env: "WHARF_DATA_DIR",
    help: "Folder for the SQLite file, blobs, mail outbox and generated secret key",
    def: "./data",
  },
  host: { env: "WHARF_HOST", help: "Address to bind", def: "127.0.0.1" },
  port: { env: "WHARF_PORT", help: "Port to bind", def: "8080" },
  origin: {
    env: "WHARF_ORIGIN",
    help: "Public origin users reach (links in mail, cookies' Secure flag, WebAuthn RP ID)",
    def: "http://localhost:<port>",
  },
  siteName: {
    env: "WHARF_SITE_NAME",
    help: "Name shown in pages, mail and authenticator apps",
    def: "Wharf",
  },
  registration: {
    env: "WHARF_REGISTRATION",
    help: "open: anyone may register; closed: only operators create accounts",
    def: "open",
  },
  databaseUrl: {
    env: "WHARF_DATABASE_URL",
    help: "sqlite:PATH, or postgres://user:pass@host:port/db",
    def: "sqlite:<dataDir>/wharf.db",
  },
  redisUrl: {
    env: "WHARF_REDIS_URL",
    help: "Redis for state shared between instances (rate limits); in-process when unset",
    def: "",
  },
  redisPrefix: {
    env: "WHARF_REDIS_PREFIX",
    help: "Prefix for every Redis key this instance writes",
    def: "wharf:",
  },
  smtpUrl: {
    env: "WHARF_SMTP_URL",
    help: "smtp://user:pass@host:port or smtps://...; mail goes to <dataDir>/outbox when unset",
    def: "",
  },
  mailFrom: {
    env: "WHARF_MAIL_FROM",
    help: "From address of outgoing mail",
    def: "Wharf <noreply@localhost>",
  },
  s3Bucket: {
    env: "WHARF_S3_BUCKET",
    help: "S3 bucket for blobs; the filesystem under <dataDir>/blobs when unset",
    def: "",
  },
  s3Endpoint: {
    env: "WHARF_S3_ENDPOINT",
    help: "Endpoint of an S3-compatible store (MinIO, R2, ...); AWS when unset",
    def: "",
  },
  s3Region: { env: "WHARF_S3_REGION", help: "S3 region", def: "us-east-1" },
  s3AccessKeyId: {
    env: "WHARF_S3_ACCESS_KEY_ID",
    help: "S3 access key id (else the AWS default chain)",
    def: "",
  },
  s3SecretAccessKey: { env: "WHARF_S3_SECRET_ACCESS_KEY", help: "S3 secret access key", def: "" },
  s3ForcePathStyle: {
    env: "WHARF_S3_FORCE_PATH_STYLE",
    help: "Path-style bucket addressing (true for most self-hosted stores)",
    def: "false",
  },
  s3Prefix: { env: "WHARF_S3_PREFIX", help: "Key prefix inside the bucket", def: "" },
  secretKey: {
    env: "WHARF_SECRET_KEY",
    help: "Secret for signing and encryption (≥ 32 chars); generated into <dataDir>/secret.key when unset",
    def: "",
  },
  uploadLimitMb: {
    env: "WHARF_UPLOAD_LIMIT_MB",
    help: "Largest file a project may upload unless an operator raises its own limit",
    def: "100",
  },
  sessionIdleMinutes: {
    env: "WHARF_SESSION_IDLE_MINUTES",
    help: "A session unused this long ends",
    def: "720",
  },
  sessionMaxDays: {
    env: "WHARF_SESSION_MAX_DAYS",
    help: "A session ends this long after login, used or not",
    def: "14",
  },
  recoveryWaitDays: {
    env: "WHARF_RECOVERY_WAIT_DAYS",
    help: "Account recovery waits this long (owner and co-maintainers are told) before factors are reset",
    def: "7",
  },
  recoveryCriticalWaitDays: {
    env: "WHARF_RECOVERY_CRITICAL_WAIT_DAYS",
    help: "The same wait for maintainers of critical projects",
    def: "14",
  },
  pwnedPasswordsUrl: {
    env: "WHARF_PWNED_PASSWORDS_URL",
    help: "A Have-I-Been-Pwned-compatible range API (https://api.pwnedpasswords.com/range): new passwords found in it are refused; only the first 5 hex chars of their SHA-1 are sent. Off when unset",
    def: "",
  },
  pwnedPasswordsFailOpen: {
    env: "WHARF_PWNED_PASSWORDS_FAIL_OPEN",
    help: "true: when the range API cannot be reached, accept the password (and log it) instead of refusing it",
    def: "false",
  },
  tokenCacheSeconds: {
    env: "WHARF_TOKEN_CACHE_SECONDS",
    help: "How long a verified API token is kept in memory (0: ask the database on every request); a revocation drops it on every instance within about a second either way",
    def: "15",
  },
  secretScanningKeysUrl: {
    env: "WHARF_SECRET_SCANNING_KEYS_URL",
    help: "Where the public keys of leaked-token reports are fetched (GitHub: https://api.github.com/meta/public_keys/secret_scanning); reports are refused unless this or WHARF_SECRET_SCANNING_KEYS is set",
    def: "",
  },
  secretScanningKeys: {
    env: "WHARF_SECRET_SCANNING_KEYS",
    help: 'Public keys for leaked-token reports given inline: the JSON the keys URL serves ({"public_keys": [{"key_identifier", "key"}]}) or PEM blocks (identifier: sha256 hex of the PEM text, as GitHub\'s)',
    def: "",
  },
  trustProxy: {
    env: "WHARF_TRUST_PROXY",
    help: "Reverse proxies whose X-Forwarded-For is believed: false, a hop count (1) or their addresses/CIDRs (10.0.0.0/8,127.0.0.1)",
    def: "false",
  },
  metricsToken: {
    env: "WHARF_METRICS_TOKEN",
    help: "Bearer token /metrics requires (≥ 32 chars); without it and WHARF_METRICS_ADDRESS, loopback clients only",
    def: "",
  },
  metricsAddress: {
    env: "WHARF_METRICS_ADDRESS",
    help: "host:port of a listener of its own for /metrics (then the public one does not serve it)",
    def: "",
  },
  hsts: {
    env: "WHARF_HSTS",
    help: "Strict-Transport-Security sent when the origin is https; off disables",
    def: "max-age=31536000; includeSubDomains",
  },
  dnsServers: {
    env: "WHARF_DNS_SERVERS",
    help: "DNS servers the email-domain check asks, comma-separated (1.1.1.1,[2606:4700::1111]:53); the host's resolv.conf when unset",
    def: "",
  },
  domainCheckIntervalMinutes: {
    env: "WHARF_DOMAIN_CHECK_INTERVAL_MINUTES",
    help: "How often the abandoned-email-domain DNS check runs a batch; 0 turns it off",
    def: "60",
  },
  domainCheckBatch: {
    env: "WHARF_DOMAIN_CHECK_BATCH",
    help: "Email domains checked per run at most",
    def: "200",
  },
  domainCheckMaxAccounts: {
    env: "WHARF_DOMAIN_CHECK_MAX_ACCOUNTS",
    help: "A vanished domain with more verified accounts than this is reported to operators instead of marked abandoned",
    def: "100",
  },
  domainCheckCanary: {
    env: "WHARF_DOMAIN_CHECK_CANARY",
    help: "A domain that must resolve before a run counts anything as missing (proves the resolver answers)",
    def: "example.com",
  },
  typosquatAction: {
    env: "WHARF_TYPOSQUAT_ACTION",
    help: "A new project name that imitates a protected one: hold (created but quarantined until an operator approves it), refuse (with a message naming the similar project) or off",
    def: "hold",
  },
  typosquatProtectTop: {
    env: "WHARF_TYPOSQUAT_PROTECT_TOP",
    help: "Protected names: critical projects plus this many most downloaded (30 days) and this many most depended-on, per ecosystem; 0: critical projects only",
    def: "1000",
  },
  oidcProviders: {
    env: "WHARF_OIDC_PROVIDERS",
    help: "Identity providers trusted for trusted publishing, comma-separated: github (GitHub Actions), gitlab (gitlab.com), gitlab=https://gitlab.example.com (self-managed), github=URL; empty: trusted publishing off",
    def: "github,gitlab",
  },
  logLevel: {
    env: "WHARF_LOG_LEVEL",
    help: "fatal | error | warn | info | debug | trace | silent",
    def: "info",
  },
} as const;

export type SettingName = keyof typeof SETTINGS;
