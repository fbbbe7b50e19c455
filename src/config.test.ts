import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, describeConfig, loadConfig, resolveSecretKey } from "./config.js";
import { hopCountWarning } from "./ops/trust-proxy.js";

describe("configuration", () => {
  it("has laptop defaults: ./data, 127.0.0.1:8080, localhost origin, open registration, SQLite in the data dir", () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe(join(process.cwd(), "data"));
    expect([c.host, c.port, c.origin, c.registration]).toEqual([
      "127.0.0.1",
      8080,
      "http://localhost:8080",
      "open",
    ]);
    expect(c.databaseUrl).toBe(`sqlite:${join(process.cwd(), "data", "wharf.db")}`);
    expect(c.secureCookies).toBe(false);
  });

  it("lets a flag win over its environment variable", () => {
    expect(loadConfig({ WHARF_PORT: "9000" }, { port: "9100" }).port).toBe(9100);
    expect(loadConfig({ WHARF_PORT: "9000" }).origin).toBe("http://localhost:9000");
  });

  it.each([
    [{ WHARF_PORT: "eighty" }, "WHARF_PORT (--port): must be a port number"],
    [{ WHARF_PORT: "70000" }, "WHARF_PORT (--port)"],
    [{ WHARF_REGISTRATION: "maybe" }, "WHARF_REGISTRATION (--registration)"],
    [
      { WHARF_DATABASE_URL: "mysql://x" },
      "WHARF_DATABASE_URL (--database-url): must start with sqlite: or postgres://",
    ],
    [{ WHARF_SECRET_KEY: "short" }, "WHARF_SECRET_KEY (--secret-key): must be at least 32 characters"],
    [{ WHARF_ORIGIN: "ftp://x" }, "WHARF_ORIGIN (--origin)"],
    [{ WHARF_S3_ENDPOINT: "http://127.0.0.1:9000" }, "WHARF_S3_BUCKET (--s3-bucket): required"],
    [{ WHARF_METRICS_TOKEN: "short" }, "WHARF_METRICS_TOKEN (--metrics-token): must be at least 32"],
    [{ WHARF_METRICS_ADDRESS: "9464" }, "WHARF_METRICS_ADDRESS (--metrics-address): must be host:port"],
    [{ WHARF_METRICS_ADDRESS: "0.0.0.0:99999" }, "WHARF_METRICS_ADDRESS (--metrics-address)"],
    [{ WHARF_HSTS: "max-age=abc" }, "WHARF_HSTS (--hsts): must be off or max-age=SECONDS"],
  ])("refuses %o with a message naming the setting", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("marks cookies Secure on an https origin", () => {
    expect(loadConfig({ WHARF_ORIGIN: "https://pkg.example/" }).secureCookies).toBe(true);
    expect(loadConfig({ WHARF_ORIGIN: "https://pkg.example/" }).origin).toBe("https://pkg.example");
  });

  it("generates a secret key once into the data dir with mode 0600 and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "wharf-cfg-"));
    const logs: string[] = [];
    const first = resolveSecretKey(loadConfig({ WHARF_DATA_DIR: dir }), (m) => logs.push(m));
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(logs[0]).toContain("Generated a new secret key");
    expect(resolveSecretKey(loadConfig({ WHARF_DATA_DIR: dir }), (m) => logs.push(m))).toBe(first);
    expect(logs).toHaveLength(1);
    expect(readFileSync(join(dir, "secret.key"), "utf8").trim()).toBe(first);
  });

  it("redacts secrets and URL passwords in config check output", () => {
    const c = loadConfig({
      WHARF_SECRET_KEY: "s".repeat(40),
      WHARF_SMTP_URL: "smtp://mailer:hunter2hunter2@mail.example:587",
      WHARF_DATABASE_URL: "postgres://wharf:dbpassword@db:5432/wharf",
      WHARF_S3_BUCKET: "b",
      WHARF_S3_SECRET_ACCESS_KEY: "AKIAsecret",
    });
    const text = describeConfig(c)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n");
    for (const secret of ["s".repeat(40), "hunter2hunter2", "dbpassword", "AKIAsecret"])
      expect(text).not.toContain(secret);
    expect(text).toContain("WHARF_SMTP_URL=smtp://mailer:REDACTED@mail.example:587");
  });

  describe("WHARF_TRUST_PROXY", () => {
    it.each(["true", "TRUE", "yes", "on"])(
      "refuses %s: it would believe the client's own X-Forwarded-For",
      (v) => {
        expect(() => loadConfig({ WHARF_TRUST_PROXY: v })).toThrow(ConfigError);
        expect(() => loadConfig({ WHARF_TRUST_PROXY: v })).toThrow(
          /WHARF_TRUST_PROXY \(--trust-proxy\): true would believe the client's own X-Forwarded-For/,
        );
      },
    );

    it.each([
      ["1", 1],
      ["2", 2],
      ["false", false],
      ["0", false],
      ["10.0.0.0/8,127.0.0.1", ["10.0.0.0/8", "127.0.0.1"]],
      [" 192.168.1.0/24 , ::1 ", ["192.168.1.0/24", "::1"]],
      ["fd00::/8,loopback", ["fd00::/8", "loopback"]],
    ])("takes %o as a hop count or a list of proxy addresses/CIDRs", (v, expected) => {
      expect(loadConfig({ WHARF_TRUST_PROXY: v }).trustProxy).toEqual(expected);
    });

    it("defaults to trusting no proxy", () => {
      expect(loadConfig({}).trustProxy).toBe(false);
    });

    it.each([
      ["11", "a hop count is at most 10"],
      ["10.0.0.0/0", 'not an IP address or CIDR: "10.0.0.0/0"'],
      ["10.0.0.0/33", 'not an IP address or CIDR: "10.0.0.0/33"'],
      ["proxy.internal", 'not an IP address or CIDR: "proxy.internal"'],
      ["10.0.0.1,,", 'not an IP address or CIDR: ""'],
    ])("refuses %s with a message naming the setting", (v, message) => {
      expect(() => loadConfig({ WHARF_TRUST_PROXY: v })).toThrow(
        `WHARF_TRUST_PROXY (--trust-proxy): ${message}`,
      );
    });

    it("warns when a hop count is used on a port open beyond this host (a client could bypass the proxy)", () => {
      expect(hopCountWarning(1, "0.0.0.0")).toContain("make sure only your proxy can reach this port");
      expect(hopCountWarning(1, "127.0.0.1")).toBeUndefined();
      expect(hopCountWarning(["10.0.0.0/8"], "0.0.0.0")).toBeUndefined();
      expect(hopCountWarning(false, "0.0.0.0")).toBeUndefined();
    });

    it("prints the effective value in config check", () => {
      const text = describeConfig(loadConfig({ WHARF_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1" }));
      expect(text).toContainEqual(["WHARF_TRUST_PROXY", "10.0.0.0/8,127.0.0.1"]);
    });
  });

  describe("WHARF_HSTS", () => {
    it("sends a year with subdomains by default on an https origin, nothing on http", () => {
      expect(loadConfig({ WHARF_ORIGIN: "https://pkg.example" }).hsts).toBe(
        "max-age=31536000; includeSubDomains",
      );
      expect(loadConfig({ WHARF_ORIGIN: "http://localhost:8080" }).hsts).toBeUndefined();
    });

    it("takes another policy, or off", () => {
      const https = { WHARF_ORIGIN: "https://pkg.example" };
      expect(loadConfig({ ...https, WHARF_HSTS: "max-age=600" }).hsts).toBe("max-age=600");
      expect(loadConfig({ ...https, WHARF_HSTS: "off" }).hsts).toBeUndefined();
    });
  });

  describe("metrics access", () => {
    it("splits WHARF_METRICS_ADDRESS and redacts WHARF_METRICS_TOKEN in config check", () => {
      const c = loadConfig({ WHARF_METRICS_ADDRESS: "[::1]:9464", WHARF_METRICS_TOKEN: "m".repeat(40) });
      expect(c.metricsAddress).toEqual({ host: "::1", port: 9464 });
      expect(describeConfig(c)).toContainEqual(["WHARF_METRICS_TOKEN", "(set, redacted)"]);
    });
  });
});
