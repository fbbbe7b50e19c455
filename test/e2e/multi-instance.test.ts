import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgSchema, missing } from "../../src/test-support/index.js";
import {
  type Exit,
  ensureBuilt,
  HttpFormClient,
  runWharf,
  startWharf,
  type WharfServer,
} from "./support/index.js";

const SUITE = "two Wharf instances sharing PostgreSQL and Redis";
const SECRET = `multi-instance-secret-${randomBytes(12).toString("hex")}`;
// Two accounts: a successful sign-in spends a point of the per-account budget too, so the lockout test
// gets an account of its own.
const USERNAME = "shared-maintainer";
const LOCKED = "locked-maintainer";
const PASSWORD = "two harbours one ledger 42";

/** A distinct documentation-range client address per request, so only the per-account budget counts. */
let clientNumber = 0;
const freshClient = () => ({ "x-forwarded-for": `198.51.100.${(clientNumber++ % 250) + 1}` });

describe.skipIf(missing(SUITE, "postgres", "redis"))(SUITE, () => {
  const prefix = `wharf-e2e-${process.pid}-${randomBytes(4).toString("hex")}:`;
  let schema: Awaited<ReturnType<typeof createPgSchema>> | undefined;
  let redis: Redis | undefined;
  let cliDir: string | undefined;
  const servers: WharfServer[] = [];
  const a = () => servers[0]!;
  const b = () => servers[1]!;

  beforeAll(async () => {
    await ensureBuilt();
    schema = await createPgSchema();
    redis = new Redis(process.env.WHARF_TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
    const shared = {
      WHARF_DATABASE_URL: schema.url,
      WHARF_REDIS_URL: process.env.WHARF_TEST_REDIS_URL!,
      WHARF_REDIS_PREFIX: prefix,
      WHARF_SECRET_KEY: SECRET,
      // The test client (on loopback) plays the reverse proxy: its X-Forwarded-For is believed.
      WHARF_TRUST_PROXY: "loopback",
    };
    // Both start at once against an empty schema, as a fresh deployment does: both run migrations.
    const started = await Promise.allSettled([startWharf(shared), startWharf(shared)]);
    for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;

    cliDir = mkdtempSync(join(tmpdir(), "wharf-e2e-cli-"));
    for (const username of [USERNAME, LOCKED]) {
      const email = `${username}@example.test`;
      const created = await runWharf(
        ["user", "create", "--username", username, "--email", email, "--password-stdin", "--verified"],
        { ...shared, WHARF_DATA_DIR: cliDir },
        `${PASSWORD}\n`,
      );
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain(`Created user ${username}`);
    }
  });

  afterAll(async () => {
    const exits: Exit[] = [];
    try {
      for (const s of servers) exits.push(await s.stop());
    } finally {
      for (const s of servers) s.cleanup();
      if (cliDir) rmSync(cliDir, { recursive: true, force: true });
      await schema?.drop();
      if (redis) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
    }
    for (const [i, exit] of exits.entries()) {
      expect(exit, `instance ${i}:\n${servers[i]?.output()}`).toEqual({ code: 0, signal: null });
    }
  });

  async function signIn(server: WharfServer, client: HttpFormClient, username: string, password: string) {
    await client.get(`${server.url}/account/login`, freshClient());
    const url = `${server.url}/account/login?next=%2Faccount%2F`;
    return client.post(url, { username, password }, freshClient());
  }

  it("honours on one instance a session started on the other, and ends it everywhere at sign-out", async () => {
    const browser = new HttpFormClient();
    const login = await signIn(a(), browser, USERNAME, PASSWORD);
    expect(login.status, login.body).toBe(303);
    expect(login.headers.get("location")).toBe("/account/");
    const session = browser.cookies.get("wharf_session");
    expect(session).toBeTruthy();

    const settings = await browser.get(`${b().url}/account/`);
    expect(settings.status).toBe(200);
    expect(settings.body).toContain("Account settings");
    expect(settings.body).toContain(USERNAME);

    // The session's CSRF token is derived with the shared secret, so a form from A posts to B.
    await browser.get(`${a().url}/account/`);
    const signOut = await browser.post(`${b().url}/account/logout`, {});
    expect(signOut.status).toBe(303);
    const after = await new HttpFormClient().get(`${a().url}/account/`, {
      cookie: `wharf_session=${session}`,
    });
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/account/login?next=%2Faccount%2F");
  });

  it("counts failed sign-ins for one account across both instances and then answers 429", async () => {
    // One anonymous cookie, minted by A, serves B too: its CSRF token is an HMAC under the shared secret.
    const attacker = new HttpFormClient();
    for (let i = 0; i < 10; i++) {
      const res = await signIn(i % 2 === 0 ? a() : b(), attacker, LOCKED, `wrong guess ${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
      expect(res.body).toContain("The username or password is not correct.");
    }
    for (const server of [a(), b()]) {
      const res = await signIn(server, attacker, LOCKED, `wrong guess on port ${server.port}`);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(300);
      expect(res.body).toContain("Too many attempts");
    }
    // Only the account's budget is spent: another account still signs in (the per-IP limit, which the
    // X-Forwarded-For addresses keep out of the way, would have refused it from 127.0.0.1 by now).
    const other = await signIn(a(), new HttpFormClient(), USERNAME, PASSWORD);
    expect(other.status).toBe(303);
    // The count lives in Redis under this run's prefix, not in either process.
    expect(await redis!.keys(`${prefix}rl:loginUser*`)).not.toHaveLength(0);
  });
});
