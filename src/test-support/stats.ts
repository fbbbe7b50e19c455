import { type Db, transaction } from "../db/index.js";
import type { EcosystemName } from "../ecosystems/index.js";
import { newId } from "../lib/ids.js";
import { insertProject } from "../packages/index.js";
import { normalizeProjectName } from "../stats/index.js";
import { ensureNameIds, ensureSourceId, markCoverage, writeCounts } from "../stats/store.js";
import { MFA, type Population } from "./population.js";

type Mfa = keyof typeof MFA;

/** A user row without argon2 (thousands of them load in a moment); nobody can sign in as it. */
export async function quickUser(
  db: Db,
  now: number,
  u: { username: string; mfa?: Mfa; verified?: boolean; frozen?: boolean; admin?: boolean },
): Promise<string> {
  const id = newId(now);
  await db
    .insertInto("users")
    .values({
      id,
      username: u.username,
      username_canonical: u.username.toLowerCase(),
      email: `${u.username}@example.com`,
      email_canonical: `${u.username.toLowerCase()}@example.com`,
      email_verified_at: u.verified === false ? null : now,
      password_hash: "!",
      password_changed_at: now,
      is_admin: u.admin ? 1 : 0,
      is_frozen: u.frozen ? 1 : 0,
      created_at: now,
    })
    .execute();
  const mfa = MFA[u.mfa ?? "none"];
  if (mfa & MFA.totp)
    await db
      .insertInto("totp_credentials")
      .values({ user_id: id, secret_enc: "!", last_step: 0, created_at: now })
      .execute();
  if (mfa & MFA.key) {
    await db
      .insertInto("webauthn_credentials")
      .values({
        id: newId(now),
        user_id: id,
        credential_id: `cred-${id}`,
        public_key: "!",
        counter: 0,
        transports: "[]",
        aaguid: "00000000-0000-0000-0000-000000000000",
        backup_eligible: 0,
        backup_state: 0,
        is_passkey: 0,
        label: "key",
        created_at: now,
      })
      .execute();
  }
  return id;
}

export async function quickProject(
  db: Db,
  now: number,
  ecosystem: EcosystemName,
  name: string,
  maintainers: string[] = [],
): Promise<string> {
  const normalized = normalizeProjectName(ecosystem, name);
  const p = await insertProject(db, now, {
    ecosystem,
    name,
    normalizedName: normalized,
    ultranormalizedName: normalized.replace(/-/g, ""),
  });
  for (const [i, userId] of maintainers.entries()) {
    await db
      .insertInto("roles")
      .values({ project_id: p.id, user_id: userId, role: i === 0 ? "owner" : "maintainer", created_at: now })
      .execute();
  }
  return p.id;
}

/** Imported daily counts through the same write path as `wharf stats import` (a CSV: replace). */
export async function importCounts(
  db: Db,
  ecosystem: string,
  rows: { name: string; day: number; count: number }[],
  source = "test",
): Promise<void> {
  await transaction(db, async (tx) => {
    const sourceId = await ensureSourceId(tx, source);
    const ids = await ensureNameIds(
      tx,
      ecosystem,
      rows.map((r) => r.name),
    );
    const merged = new Map<string, { nameId: number; day: number; count: number }>();
    for (const r of rows) {
      const k = `${r.name}:${r.day}`;
      const prev = merged.get(k);
      if (prev) prev.count += r.count;
      else merged.set(k, { nameId: ids.get(r.name)!, day: r.day, count: r.count });
    }
    await writeCounts(tx, ecosystem, sourceId, [...merged.values()], "replace");
    await markCoverage(
      tx,
      ecosystem,
      sourceId,
      rows.map((r) => r.day),
    );
  });
}

/**
 * A generated population in the database: every project hosted, its maintainers with their factors,
 * its counts imported. Returns project ids by population index.
 */
export async function loadPopulation(
  db: Db,
  now: number,
  pop: Population,
  ecosystem: EcosystemName = "pypi",
) {
  const users: string[] = [];
  for (let i = 0; i < pop.users.count; i++) {
    const mfa = (Object.keys(MFA) as Mfa[]).find((k) => MFA[k] === pop.users.mfa[i])!;
    users.push(await quickUser(db, now, { username: `u${i}`, mfa, verified: pop.users.verified[i] === 1 }));
  }
  const byProject = new Map<number, string[]>();
  for (let r = 0; r < pop.roles.count; r++) {
    const list = byProject.get(pop.roles.project[r]!) ?? [];
    list.push(users[pop.roles.user[r]!]!);
    byProject.set(pop.roles.project[r]!, list);
  }
  const ids: string[] = [];
  for (let i = 0; i < pop.names.length; i++) {
    ids.push(await quickProject(db, now, ecosystem, pop.names[i]!, byProject.get(i) ?? []));
  }
  const rows: { name: string; day: number; count: number }[] = [];
  for (let i = 0; i < pop.names.length; i++) {
    pop.forEachDay(i, (day, count) => rows.push({ name: pop.names[i]!, day, count }));
  }
  await importCounts(db, ecosystem, rows);
  return { projectIds: ids, userIds: users };
}

/**
 * Every stored daily count, after checking the invariant the window arithmetic relies on: the weekly
 * sums equal the daily rows they summarize.
 */
export async function statsSnapshot(db: Db) {
  const daily = await db
    .selectFrom("download_stats")
    .selectAll()
    .orderBy("ecosystem")
    .orderBy("day")
    .orderBy("name_id")
    .orderBy("source_id")
    .execute();
  const weeks = await db.selectFrom("download_weeks").selectAll().where("count", "!=", 0).execute();
  const sums = new Map<string, number>();
  for (const r of daily) {
    const k = `${r.ecosystem}:${r.name_id}:${Math.floor(r.day / 7)}`;
    sums.set(k, (sums.get(k) ?? 0) + Number(r.count));
  }
  for (const w of weeks) {
    const k = `${w.ecosystem}:${w.name_id}:${w.week}`;
    if (sums.get(k) !== Number(w.count)) throw new Error(`week ${k}: ${w.count} != daily sum ${sums.get(k)}`);
    sums.delete(k);
  }
  const missing = [...sums].filter(([, v]) => v !== 0);
  if (missing.length) throw new Error(`daily rows without their week: ${missing.map(([k]) => k).join(", ")}`);
  return daily.map((r) => ({ ...r, count: Number(r.count) }));
}
