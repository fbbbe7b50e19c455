/**
 * Issue 11 MEDIUM 12: account existence leaked through "forgot password" and recovery taking ~4x longer
 * for real accounts, and through registration saying "This email address is already used". The work
 * before the answer must be the same for real and unknown accounts; registration with someone else's
 * address answers like a new account and mails the owner instead.
 */
import type { KyselyPlugin } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdBackground, settleBackground } from "../mail/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { readOutbox } from "../test-support/outbox.js";
import { registerUser } from "./index.js";

const PASSWORD = "correct horse battery";

describe.each(testDatabases())("account enumeration on %s", (kind) => {
  let t: TestApp;
  let queries = 0;
  let ip = 0;
  beforeEach(async () => {
    t = await createTestApp(kind);
    await registerUser(
      t.deps,
      { ip: "127.0.0.1" },
      { username: "alice", email: "alice@example.com", password: PASSWORD, verified: true },
      { viaOperator: true },
    );
    // Every statement the app runs from here on is counted (routes read deps.db at request time).
    const counter: KyselyPlugin = {
      transformQuery: (a) => {
        queries++;
        return a.node;
      },
      transformResult: async (a) => a.result,
    };
    t.deps.db = t.deps.db.withPlugin(counter);
  });
  afterEach(() => t.close());

  /** Queries run and mails sent before the answer, with after-response work held back. */
  async function workBeforeAnswer(path: string, login: string) {
    const web = new FormClient(t.app, `203.0.113.${++ip}`);
    await web.get(path);
    const mailsBefore = (await t.outbox()).length;
    const release = holdBackground();
    queries = 0;
    const res = await web.post(path, { login });
    const work = { status: res.statusCode, queries, mails: (await readNow()) - mailsBefore };
    release();
    await settleBackground();
    return work;
  }
  const readNow = async () => {
    // The outbox without settling: held tasks must not run yet.
    return (await readOutbox(`${t.dataDir}/outbox`)).length;
  };

  it.each([
    ["/account/forgot-password", "Reset your password"],
    ["/account/recovery", "Confirm account recovery"],
  ])("%s does the same work before answering for real and unknown accounts", async (path, subject) => {
    const real = [await workBeforeAnswer(path, "alice"), await workBeforeAnswer(path, "alice@example.com")];
    const unknown = [
      await workBeforeAnswer(path, "nobody"),
      await workBeforeAnswer(path, "nobody@example.com"),
    ];
    for (const w of [...real, ...unknown]) expect(w).toEqual(unknown[0]);
    expect(unknown[0]!.mails).toBe(0);
    // The real account's mail still goes out, after the answer.
    const mails = (await t.outbox()).filter(
      (m) => m.to === "alice@example.com" && m.subject.includes(subject),
    );
    expect(mails.length).toBeGreaterThan(0);
  });

  it("registration with a taken email (any case) reveals nothing, creates nothing and mails the owner once", async () => {
    const users = async () => (await t.deps.db.selectFrom("users").select("id").execute()).length;
    const attempt = async (username: string, email: string) => {
      const web = new FormClient(t.app, `198.51.100.${++ip}`);
      await web.get("/account/register");
      const res = await web.post("/account/register", { username, email, password: PASSWORD });
      const next = await web.get(res.headers.location as string);
      const page = next.headers.location ? await web.get(next.headers.location as string) : next;
      return { res, page };
    };
    const taken = await attempt("mallory", "ALICE@example.com");
    expect(taken.res.statusCode).toBe(303);
    expect(taken.page.body).not.toContain("already");
    expect(taken.page.body).toContain("We sent a message to ALICE@example.com");
    await attempt("mallory2", "alice@example.com");
    expect(await users()).toBe(1);
    const mails = (await t.outbox()).filter((m) => m.to === "alice@example.com");
    expect(mails.map((m) => m.subject)).toEqual([
      "[Wharf] Someone tried to create an account with your email address",
    ]);
    expect(mails[0]!.text).toContain("/account/forgot-password");
    const events = await t.deps.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "account.registration_attempt")
      .execute();
    expect(events).toHaveLength(2);
    // A new account's next step is the same message about mail.
    const fresh = await attempt("carol", "carol@example.com");
    expect(fresh.res.statusCode).toBe(303);
    expect(fresh.page.body).toContain("We sent a verification link to carol@example.com");
  });

  it("a taken username is still said (usernames are public)", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/register");
    const res = await web.post("/account/register", {
      username: "Alice",
      email: "someone@example.com",
      password: PASSWORD,
    });
    expect(res.statusCode).toBe(409);
    expect(textOf(res.body, "username-error")).toContain("already taken");
  });
});
