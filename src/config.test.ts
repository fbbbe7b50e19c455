import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, describeConfig, loadConfig, resolveSecretKey } from "./config.js";

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
});
