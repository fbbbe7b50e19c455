import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueLinkToken } from "../../src/accounts/email-links.js";
import { ecosystemFor } from "../../src/ecosystems/index.js";
import { loadCodes } from "../../src/giveaway/codes.js";
import { systemClock } from "../../src/lib/clock.js";
import { Keyring } from "../../src/lib/crypto.js";
import { buildWheel } from "../../src/packages/archives/test-fixtures.js";
import { publishBody } from "../../src/protocols/npm/test-fixtures.js";
import { basicAuth, twineForm } from "../../src/test-support/pypi.js";
import { ensureBuilt, HttpFormClient } from "../e2e/support/index.js";
import { totp } from "../e2e/support/npm.js";
import { filesUnder } from "../e2e/support/pypi.js";
import {
  classify,
  inDb,
  nextIp,
  PASSWORD,
  passwordStep,
  type RaceUser,
  saysWhy,
  seedUsers,
  signedIn,
  Tally,
  together,
} from "./race-kit.js";
import { campaignSeed, rngFrom } from "./seeded.js";
import { type Backend, backends, FULL, printTable, record, scale, type Target, target } from "./support.js";

/**
 * Races on every single-use thing (issue 13, hostile suites): a round sends the same single-use thing
 * from several clients at once, each from its own address and, where a sign-in is involved, each with
 * its own password step, so no other single-use check (the login challenge) can hide a broken one.
 * Double-spends are counted from the answers AND from what the database stored. A thousand raced
 * attempts per thing in the full campaign (`npm run test:hostile`), a few rounds in `npm test`.
 *
 * Second-factor limits (5 guesses per account per 5 minutes, 10 per address) would refuse most of a
 * burst before the code is looked at; every round therefore races 5 clients per fresh account, each
 * from its own address (the server trusts X-Forwarded-For from loopback, as behind a proxy). The
 * production limits are unchanged.
 */
const ROUNDS = scale(4, 100);
const PER_USER = 5; // the per-account second-factor budget: every racer of a round is evaluated
const USERS_PER_ROUND = 2; // 10 racers at once
const TIMEOUT = FULL ? 3_600_000 : 240_000;

const SEED = campaignSeed();
console.log(`race campaign seed ${SEED} (WHARF_HOSTILE_SEED=${SEED} replays it)`);
afterAll(() => printTable(`Races (seed ${SEED})`));

function finish(name: string, backend: Backend, tally: Tally, goal: string, exactlyOne: boolean): void {
  const row = record({
    case: name,
    backend,
    tried: tally.tried,
    outcome: tally.outcome(),
    goal,
    held: tally.held(exactlyOne),
  });
  expect(tally.samples, `${name}: 5xx or unclear answers`).toEqual([]);
  expect(row.held, `${name} on ${backend}: ${row.outcome}`).toBe(true);
}

const npmLogin = (t: Target, u: RaceUser, otp: string, ip: Record<string, string>) =>
  fetch(`${t.server.url}/npm/-/user/org.couchdb.user:${u.username}`, {
    method: "PUT",
    headers: { "content-type": "application/json", "npm-otp": otp, ...ip },
    body: JSON.stringify({ name: u.username, password: PASSWORD }),
    signal: AbortSignal.timeout(60_000),
  });

/** Sessions plus API tokens the users own: every successful sign-in or npm login made exactly one. */
async function signInsStored(t: Target, users: RaceUser[]): Promise<Map<string, number>> {
  const ids = users.map((u) => u.id);
  return inDb(t, async (db) => {
    const out = new Map<string, number>(ids.map((id) => [id, 0]));
    const sessions = await db.selectFrom("sessions").select("user_id").where("user_id", "in", ids).execute();
    const tokens = await db.selectFrom("api_tokens").select("user_id").where("user_id", "in", ids).execute();
    for (const r of [...sessions, ...tokens]) out.set(r.user_id, (out.get(r.user_id) ?? 0) + 1);
    return out;
  });
}

type Surface = "web" | "npm";

/**
 * One second-factor round: each user's code raced by PER_USER clients on the given surfaces. Returns
 * the winners per user (answers), and records verdicts.
 */
async function secondFactorRound(
  t: Target,
  rand: () => number,
  users: RaceUser[],
  code: (u: RaceUser) => string,
  surfaces: (i: number) => Surface,
  field: "code" | "recovery_code",
  tally: Tally,
): Promise<Map<string, number>> {
  const racers = await Promise.all(
    users.flatMap((u) =>
      Array.from({ length: PER_USER }, async (_, i) => {
        const surface = surfaces(i);
        return {
          u,
          surface,
          step: surface === "web" ? await passwordStep(t, u) : { web: null, ip: nextIp() },
        };
      }),
    ),
  );
  const wins = new Map<string, number>(users.map((u) => [u.id, 0]));
  await together(
    rand,
    racers.map((r) => async () => {
      if (r.surface === "web" && r.step.web) {
        const web = r.step.web;
        const res = await web
          .post(`${t.server.url}/account/login/two-factor`, { [field]: code(r.u) }, r.step.ip)
          .catch((e: Error) => ({ status: 0, headers: new Headers(), body: String(e) }));
        const location = res.headers.get("location") ?? "";
        const won =
          res.status === 303 && web.cookies.has("wharf_session") && !location.startsWith("/account/login");
        // A raced loser sees the form again with the reason (400), or is sent back to sign in with it
        // (a flash) when its step was spent; 429 when a budget is spent.
        const clear = saysWhy(res) || (res.status === 303 && location.startsWith("/account/login"));
        const v = tally.add(
          classify(res.status, won, clear),
          `web ${res.status} ${location} ${res.body.slice(0, 200)}`,
        );
        if (v === "won") wins.set(r.u.id, wins.get(r.u.id)! + 1);
        return;
      }
      const res = await npmLogin(t, r.u, code(r.u), r.step.ip).catch(() => null);
      const status = res?.status ?? 0;
      const body = res ? await res.text() : "";
      const clear = status === 401 && Boolean(res?.headers.get("npm-notice") || /error/.test(body));
      const v = tally.add(classify(status, status === 201, clear), `npm ${status} ${body.slice(0, 200)}`);
      if (v === "won") wins.set(r.u.id, wins.get(r.u.id)! + 1);
    }),
  );
  return wins;
}

/** Double-spends of a round: answers that won beyond one per user, or stored sign-ins beyond one. */
function countDoubles(answers: Map<string, number>, stored: Map<string, number>, tally: Tally): void {
  for (const [id, n] of answers) {
    const db = stored.get(id) ?? 0;
    tally.doubleSpends += Math.max(0, Math.max(n, db) - 1);
    if (Math.max(n, db) === 0) tally.noWinner++;
  }
}

describe.each(backends({ redis: true }))("race campaign on %s", (backend) => {
  let t: Target;
  let rand: () => number;
  const limitsMatter = backend === "postgres+redis";
  beforeAll(async () => {
    await ensureBuilt();
    t = await target(backend, { WHARF_TRUST_PROXY: "loopback" });
    rand = rngFrom(SEED ^ backend.length).next;
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  it(
    "spends a recovery code once: of its racers exactly one signs in",
    async () => {
      const tally = new Tally();
      for (let round = 0; round < ROUNDS; round++) {
        const users = await seedUsers(t, USERS_PER_ROUND, { totp: true, recovery: true });
        const pick = Math.floor(rand() * 10);
        const answers = await secondFactorRound(
          t,
          rand,
          users,
          (u) => u.recoveryCodes![pick]!,
          () => "web",
          "recovery_code",
          tally,
        );
        const used = await inDb(t, (db) =>
          db
            .selectFrom("recovery_codes")
            .select("user_id")
            .where(
              "user_id",
              "in",
              users.map((u) => u.id),
            )
            .where("used_at", "is not", null)
            .execute(),
        );
        const stored = await signInsStored(t, users);
        for (const u of users) {
          const spent = used.filter((r) => r.user_id === u.id).length;
          stored.set(u.id, Math.max(stored.get(u.id) ?? 0, spent));
        }
        countDoubles(answers, stored, tally);
      }
      finish("recovery code, web second step", backend, tally, "0 double-spends; 1 winner a round", true);
    },
    TIMEOUT,
  );

  const modes: Array<[string, (i: number, r: () => number) => Surface]> = [
    ["TOTP step, web second step", () => "web"],
    ["TOTP step, npm login --otp", () => "npm"],
    ["TOTP step, web + npm --otp", (i, r) => (i === 0 ? "web" : i === 1 ? "npm" : r() < 0.5 ? "web" : "npm")],
  ];
  it(
    "accepts a TOTP step at most once, on the web, on npm --otp and across both",
    async () => {
      const tallies = modes.map(() => new Tally());
      for (let round = 0; round < ROUNDS; round++) {
        const m = round % modes.length;
        const [, surfaceOf] = modes[m]!;
        const tally = tallies[m]!;
        const users = await seedUsers(t, USERS_PER_ROUND, { totp: true });
        // Fixed before the racers start: the code of this 30-second step (±1 step is accepted).
        const codes = new Map(users.map((u) => [u.id, totp(u.totpSecret!)]));
        const answers = await secondFactorRound(
          t,
          rand,
          users,
          (u) => codes.get(u.id)!,
          (i) => surfaceOf(i, rand),
          "code",
          tally,
        );
        countDoubles(answers, await signInsStored(t, users), tally);
      }
      for (const [m, [name]] of modes.entries())
        finish(name, backend, tallies[m]!, "0 double-spends (at most 1 a step)", false);
    },
    TIMEOUT,
  );

  it.skipIf(limitsMatter)(
    "spends an email link once: verification, password reset, email change (also two people, one address)",
    async () => {
      const keys = new Keyring(t.server.env.WHARF_SECRET_KEY!);
      const kinds = [
        {
          name: "email link: verification",
          purpose: "verify_email",
          path: "/account/verify-email",
          event: "email.verified",
        },
        {
          name: "email link: password reset",
          purpose: "reset_password",
          path: "/account/reset-password",
          event: "password.reset",
        },
        {
          name: "email link: email change",
          purpose: "change_email",
          path: "/account/confirm-email",
          event: "email.changed",
        },
        {
          name: "email change: one new address",
          purpose: "change_email",
          path: "/account/confirm-email",
          event: "email.changed",
        },
      ] as const;
      const tallies = kinds.map(() => new Tally());
      for (let round = 0; round < ROUNDS; round++) {
        const k = round % kinds.length;
        const kind = kinds[k]!;
        const tally = tallies[k]!;
        const sameAddress = kind.name === "email change: one new address";
        const users = await seedUsers(t, USERS_PER_ROUND, { unverified: kind.purpose === "verify_email" });
        const newEmail = (u: RaceUser) =>
          sameAddress ? `shared${round}@example.org` : `new-${u.username}@example.org`;
        const links = await inDb(t, (db) =>
          Promise.all(
            users.map((u) =>
              issueLinkToken(
                db,
                keys,
                Date.now(),
                u.id,
                kind.purpose,
                kind.purpose === "change_email" ? newEmail(u) : u.email,
              ),
            ),
          ),
        );
        // Each racer opens the link (the page with its button and CSRF token), then they all press it.
        const racers = await Promise.all(
          users.flatMap((u, i) =>
            Array.from({ length: PER_USER }, async () => {
              const web = new HttpFormClient();
              const ip = nextIp();
              await web.get(`${t.server.url}${kind.path}?token=${encodeURIComponent(links[i]!)}`, ip);
              return { u, web, ip, token: links[i]! };
            }),
          ),
        );
        const wins = new Map<string, number>(users.map((u) => [u.id, 0]));
        await together(
          rand,
          racers.map((r) => async () => {
            const fields: Record<string, string> = { token: r.token };
            if (kind.purpose === "reset_password")
              fields.password = `new tide password ${round} ${r.u.username}`;
            const res = await r.web
              .post(`${t.server.url}${kind.path}`, fields, r.ip)
              .catch((e: Error) => ({ status: 0, headers: new Headers(), body: String(e) }));
            const won = res.status === 303;
            const v = tally.add(
              classify(res.status, won, saysWhy(res)),
              `${kind.path} ${res.status} ${res.body.slice(0, 300)}`,
            );
            if (v === "won") wins.set(r.u.id, wins.get(r.u.id)! + 1);
          }),
        );
        const events = await inDb(t, (db) =>
          db
            .selectFrom("events")
            .select("user_id")
            .where("type", "=", kind.event)
            .where(
              "user_id",
              "in",
              users.map((u) => u.id),
            )
            .execute(),
        );
        const stored = new Map(users.map((u) => [u.id, events.filter((e) => e.user_id === u.id).length]));
        if (sameAddress) {
          // Two people, one new address: one of them gets it, however many clicks race.
          const answered = [...wins.values()].reduce((a, b) => a + b, 0);
          const kept = [...stored.values()].reduce((a, b) => a + b, 0);
          const owners = await inDb(t, (db) =>
            db.selectFrom("users").select("id").where("email_canonical", "=", newEmail(users[0]!)).execute(),
          );
          const most = Math.max(answered, kept, owners.length);
          tally.doubleSpends += Math.max(0, most - 1);
          if (most === 0) tally.noWinner++;
        } else countDoubles(wins, stored, tally);
      }
      for (const [i, k] of kinds.entries())
        finish(k.name, backend, tallies[i]!, "0 double-spends; 1 winner a round", true);
    },
    TIMEOUT,
  );

  it.skipIf(limitsMatter)(
    "gives a giveaway code to one maintainer when eligible maintainers claim it at once",
    async () => {
      const tally = new Tally();
      const keys = new Keyring(t.server.env.WHARF_SECRET_KEY!);
      const pool = await seedUsers(t, Math.ceil(ROUNDS / 2) + 12);
      await inDb(t, async (db) => {
        const now = Date.now();
        const projectId = `critical-${now}`;
        await db
          .insertInto("projects")
          .values({
            id: projectId,
            ecosystem: "pypi",
            name: "race-critical",
            normalized_name: "race-critical",
            ultranormalized_name: "racecritical",
            created_at: now,
            upload_limit_bytes: null,
            serial: 1,
            critical_since: now,
            critical_reason: "race campaign",
          })
          .execute();
        await db
          .insertInto("roles")
          .values(
            pool.map((u, i) => ({
              project_id: projectId,
              user_id: u.id,
              role: i ? "maintainer" : "owner",
              created_at: now,
            })),
          )
          .execute();
      });
      const clients = new Map<string, { web: HttpFormClient; ip: Record<string, string> }>();
      for (const u of pool) {
        const c = await signedIn(t, u);
        await c.web.get(`${t.server.url}/account/security-keys`, c.ip);
        clients.set(u.id, c);
      }
      const share = new Map(pool.map((u) => [u.id, 2]));
      for (let round = 0; round < ROUNDS; round++) {
        await inDb(t, (db) =>
          loadCodes({ db, clock: systemClock, keys }, `RACE-${SEED}-${backend}-${round}\n`, "race"),
        );
        const eligible = pool.filter((u) => share.get(u.id)! > 0);
        const claimers = eligible.sort(() => rand() - 0.5).slice(0, 10);
        let answered = 0;
        await together(
          rand,
          claimers.map((u) => async () => {
            const c = clients.get(u.id)!;
            const res = await c.web
              .post(`${t.server.url}/account/security-keys`, {}, c.ip)
              .catch((e: Error) => ({ status: 0, headers: new Headers(), body: String(e) }));
            const won = res.status === 303;
            const v = tally.add(
              classify(res.status, won, saysWhy(res)),
              `claim ${res.status} ${res.body.slice(0, 300)}`,
            );
            if (v === "won") {
              answered++;
              share.set(u.id, share.get(u.id)! - 1);
            }
          }),
        );
        const claimed = await inDb(t, (db) =>
          db
            .selectFrom("giveaway_codes")
            .select(["claimed_by"])
            .where("batch", "=", "race")
            .where("claimed_by", "is not", null)
            .execute(),
        );
        // Codes given out so far vs winners so far: a code told to two people shows as more winners.
        const soFar = tally.counts.won;
        tally.doubleSpends += Math.max(0, soFar - claimed.length);
        if (answered === 0) tally.noWinner++;
      }
      const perUser = await inDb(t, (db) =>
        db
          .selectFrom("giveaway_codes")
          .select(({ fn }) => ["claimed_by", fn.countAll<number>().as("n")])
          .where("claimed_by", "is not", null)
          .groupBy("claimed_by")
          .execute(),
      );
      tally.doubleSpends += perUser.filter((r) => Number(r.n) > 2).length;
      finish("giveaway code, two+ maintainers", backend, tally, "0 double-spends; 1 winner a round", true);
    },
    TIMEOUT,
  );

  it.skipIf(limitsMatter)(
    "lets one person claim a new project name, across twine name variants and on npm",
    async () => {
      const work = mkdtempSync(join(tmpdir(), "wharf-races-"));
      const pypi = new Tally();
      const npm = new Tally();
      try {
        const pool = await seedUsers(t, scale(10, 30), { token: true });
        for (let round = 0; round < ROUNDS; round++) {
          const base = `race-${backend.replace("+", "-")}-${round}-${SEED % 1000}`;
          // Names one project owns on PyPI (PEP 503 normalisation) and a look-alike (separators dropped).
          const variants = [
            base.replace(/-/g, "_").toUpperCase(),
            base,
            base.replace(/-/g, "."),
            base,
            base.replace(/-/g, ""),
          ];
          const racers = [...pool].sort(() => rand() - 0.5).slice(0, 10);
          const wheels = await Promise.all(
            variants.map(async (name, i) => {
              const dir = mkdtempSync(join(work, `w${i}-`));
              const path = await buildWheel(dir, { name, version: "1.0" });
              return twineForm(path, { name, version: "1.0" });
            }),
          );
          const npmNames = [base, base, base, base, base.replace(/-/g, "")];
          const bodies = await Promise.all(npmNames.map((n) => publishBody(n, "1.0.0")));
          const pypiWinners: string[] = [];
          const npmWinners: string[] = [];
          await together(rand, [
            ...wheels.map((w, i) => async () => {
              const u = racers[i]!;
              const res = await fetch(`${t.server.url}/legacy/`, {
                method: "POST",
                headers: { ...w.headers, authorization: basicAuth("__token__", u.token!) },
                body: new Uint8Array(w.payload),
                signal: AbortSignal.timeout(60_000),
              }).catch(() => null);
              const status = res?.status ?? 0;
              const reason = res?.statusText ?? "";
              await res?.arrayBuffer();
              const clear = [400, 403, 409, 429].includes(status) && reason.length > 12;
              if (pypi.add(classify(status, status === 200, clear), `legacy ${status} ${reason}`) === "won")
                pypiWinners.push(u.id);
            }),
            ...bodies.map((b, i) => async () => {
              const u = racers[5 + i]!;
              const res = await fetch(`${t.server.url}/npm/${b.name}`, {
                method: "PUT",
                headers: { "content-type": "application/json", authorization: `Bearer ${u.token}` },
                body: JSON.stringify(b),
                signal: AbortSignal.timeout(60_000),
              }).catch(() => null);
              const status = res?.status ?? 0;
              const body = res ? await res.text() : "";
              const clear = [400, 403, 409, 429].includes(status) && /"error"/.test(body);
              if (
                npm.add(
                  classify(status, status === 200 || status === 201, clear),
                  `npm ${status} ${body.slice(0, 200)}`,
                ) === "won"
              )
                npmWinners.push(u.id);
            }),
          ]);
          for (const [eco, tally, winners] of [
            ["pypi", pypi, pypiWinners],
            ["npm", npm, npmWinners],
          ] as const) {
            const ultra = ecosystemFor(eco).lookalikeKey(base);
            const stored = await inDb(t, async (db) => {
              const projects = await db
                .selectFrom("projects")
                .select("id")
                .where("ecosystem", "=", eco)
                .where("ultranormalized_name", "=", ultra)
                .execute();
              const ids = projects.map((p) => p.id);
              const roles = ids.length
                ? await db
                    .selectFrom("roles")
                    .select(["user_id", "project_id"])
                    .where("project_id", "in", ids)
                    .execute()
                : [];
              const releases = ids.length
                ? await db
                    .selectFrom("releases")
                    .select("project_id")
                    .where("project_id", "in", ids)
                    .execute()
                : [];
              return { projects: ids.length, roles, releases: releases.length };
            });
            // One project, one owner (the one told yes), one release; anything more is a double claim,
            // a project without its release or owner is a half-created one (counted the same).
            const owners = new Set(stored.roles.map((r) => r.user_id));
            const most = Math.max(stored.projects, owners.size, winners.length, stored.releases);
            tally.doubleSpends += Math.max(0, most - 1);
            if (stored.projects !== stored.releases || stored.projects !== owners.size) tally.doubleSpends++;
            if (winners.length && !owners.has(winners[0]!)) tally.doubleSpends++;
            if (most === 0) tally.noWinner++;
          }
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      finish("new name, twine (5 variants, 5 users)", backend, pypi, "0 double claims; 1 owner", true);
      finish("new name, npm publish (5 users)", backend, npm, "0 double claims; 1 owner", true);
    },
    TIMEOUT,
  );

  it.skipIf(limitsMatter)(
    "stores one file for the same upload or version sent at once, and leaves no orphan blob",
    async () => {
      const work = mkdtempSync(join(tmpdir(), "wharf-races-"));
      const pypi = new Tally();
      const npm = new Tally();
      try {
        // One upload of a user is inspected at a time per slot (2 slots a user): five people who may all
        // publish the project (its owner and four maintainers) race one twine and one npm upload each,
        // so every racer is evaluated. Owners rotate: a user may create 20 projects an hour.
        const pool = await seedUsers(t, scale(6, 60), { token: true });
        for (let round = 0; round < ROUNDS; round++) {
          const team = Array.from({ length: 5 }, (_, k) => pool[(round + k) % pool.length]!);
          const owner = team[0]!;
          const name = `same-${backend.replace("+", "-")}-${round}-${SEED % 1000}`;
          const dir = mkdtempSync(join(work, "w-"));
          // The project exists (version 1 by its owner); the race is over version 2.
          const first = await twineForm(await buildWheel(dir, { name, version: "1.0" }), {
            name,
            version: "1.0",
          });
          const upload = (form: typeof first, u: RaceUser) =>
            fetch(`${t.server.url}/legacy/`, {
              method: "POST",
              headers: { ...form.headers, authorization: basicAuth("__token__", u.token!) },
              body: new Uint8Array(form.payload),
              signal: AbortSignal.timeout(60_000),
            }).catch(() => null);
          const publish = (text: string, u: RaceUser) =>
            fetch(`${t.server.url}/npm/${name}`, {
              method: "PUT",
              headers: { "content-type": "application/json", authorization: `Bearer ${u.token}` },
              body: text,
              signal: AbortSignal.timeout(60_000),
            }).catch(() => null);
          const setup = [
            await upload(first, owner),
            await publish(JSON.stringify(await publishBody(name, "1.0.0")), owner),
          ];
          if (setup.some((r) => r?.status !== 200 && r?.status !== 201))
            throw new Error(`setup of ${name}: ${setup.map((r) => r?.status).join(", ")}`);
          await inDb(t, async (db) => {
            const projects = await db
              .selectFrom("projects")
              .select("id")
              .where("normalized_name", "=", name)
              .execute();
            const now = Date.now();
            await db
              .insertInto("roles")
              .values(
                projects.flatMap((p) =>
                  team
                    .slice(1)
                    .map((u) => ({ project_id: p.id, user_id: u.id, role: "maintainer", created_at: now })),
                ),
              )
              .execute();
          });
          const wheel = await twineForm(await buildWheel(dir, { name, version: "2.0" }), {
            name,
            version: "2.0",
          });
          const body = JSON.stringify(await publishBody(name, "2.0.0"));
          let pypiWon = 0;
          let npmWon = 0;
          await together(rand, [
            ...team.map((u) => async () => {
              const res = await upload(wheel, u);
              const status = res?.status ?? 0;
              const reason = res?.statusText ?? "";
              await res?.arrayBuffer();
              // twine --skip-existing recognises exactly this reason.
              const clear = status === 429 || (status === 400 && reason.startsWith("File already exists"));
              if (pypi.add(classify(status, status === 200, clear), `legacy ${status} ${reason}`) === "won")
                pypiWon++;
            }),
            ...team.map((u) => async () => {
              const res = await publish(body, u);
              const status = res?.status ?? 0;
              const text = res ? await res.text() : "";
              // What a publish a moment later is told (npm prints it), not PyPI's words about file names.
              const clear = status === 429 || (status === 403 && /"VERSION_EXISTS"/.test(text));
              if (
                npm.add(
                  classify(status, status === 200 || status === 201, clear),
                  `npm ${status} ${text.slice(0, 200)}`,
                ) === "won"
              )
                npmWon++;
            }),
          ]);
          const files = await inDb(t, (db) =>
            db
              .selectFrom("files")
              .innerJoin("projects", "projects.id", "files.project_id")
              .innerJoin("releases", "releases.id", "files.release_id")
              .select("projects.ecosystem")
              .where("projects.normalized_name", "=", name)
              .where("releases.version", "like", "2.%")
              .execute(),
          );
          for (const [eco, tally, won] of [
            ["pypi", pypi, pypiWon],
            ["npm", npm, npmWon],
          ] as const) {
            const n = files.filter((f) => f.ecosystem === eco).length;
            tally.doubleSpends += Math.max(0, Math.max(n, won) - 1);
            if (Math.max(n, won) === 0) tally.noWinner++;
          }
        }
        // Every blob on disk belongs to a stored file (temporary names gone once the answers are in).
        const keys = await inDb(t, async (db) => {
          const rows = await db.selectFrom("files").select(["blob_key", "metadata_blob_key"]).execute();
          return new Set(
            rows.flatMap((r) => [r.blob_key, r.metadata_blob_key]).filter((k): k is string => !!k),
          );
        });
        const onDisk = filesUnder(join(t.server.dataDir, "blobs"));
        const orphans = onDisk.filter((f) => !keys.has(f));
        const row = record({
          case: "blobs after same-version races",
          backend,
          tried: onDisk.length,
          outcome: `${orphans.length} orphans`,
          goal: "0 orphans",
          held: orphans.length === 0,
        });
        expect(orphans.slice(0, 5), "blobs without a file row").toEqual([]);
        expect(row.held).toBe(true);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      finish(
        "same file, twine x5 (owner + 4 maintainers)",
        backend,
        pypi,
        "1 stored; others 400 File already exists",
        true,
      );
      finish(
        "same version, npm x5 (owner + 4 maintainers)",
        backend,
        npm,
        "1 stored; others 403 VERSION_EXISTS",
        true,
      );
    },
    TIMEOUT,
  );
});
