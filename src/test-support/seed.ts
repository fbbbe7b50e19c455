import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  UnknownRow,
} from "kysely";
import type { Db } from "../db/index.js";
import type { EcosystemName } from "../ecosystems/index.js";
import { newId } from "../lib/ids.js";
import type { TestApp } from "./app.js";

/**
 * `n` projects named `<prefix>-0000`, `<prefix>-0001`, ... inserted in bulk (a registry-sized list in
 * well under a second); with `owner`, that user owns each of them.
 */
export async function seedProjects(
  t: TestApp,
  n: number,
  opts: { prefix?: string; ecosystem?: EcosystemName; owner?: string } = {},
): Promise<Array<{ id: string; name: string }>> {
  const prefix = opts.prefix ?? "pkg";
  const now = t.clock.now();
  const rows = Array.from({ length: n }, (_, i) => {
    const name = `${prefix}-${String(i).padStart(4, "0")}`;
    return {
      id: newId(now),
      ecosystem: opts.ecosystem ?? "pypi",
      name,
      normalized_name: name,
      ultranormalized_name: name.replace(/-/g, ""),
      created_at: now,
      upload_limit_bytes: null,
      serial: 1,
    };
  });
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    await t.deps.db.insertInto("projects").values(chunk).execute();
    if (opts.owner) {
      const owner = opts.owner;
      await t.deps.db
        .insertInto("roles")
        .values(chunk.map((p) => ({ project_id: p.id, user_id: owner, role: "owner", created_at: now })))
        .execute();
    }
  }
  return rows.map((r) => ({ id: r.id, name: r.name }));
}

/** `n` verified accounts `<prefix>0000`... created one second apart (bulk insert; no password works). */
export async function seedUsers(t: TestApp, n: number, prefix = "member"): Promise<void> {
  const start = t.clock.now();
  const rows = Array.from({ length: n }, (_, i) => {
    const username = `${prefix}${String(i).padStart(4, "0")}`;
    return {
      id: newId(start + i * 1000),
      username,
      username_canonical: username,
      email: `${username}@example.com`,
      email_canonical: `${username}@example.com`,
      email_verified_at: start,
      password_hash: "!",
      password_changed_at: start,
      is_admin: 0,
      is_frozen: 0,
      created_at: start + i * 1000,
      mfa_enrolled_at: null,
      mfa_checkup_at: null,
      npm_tfa_mode: null,
      totp_pending: null,
      mfa_required_at: null,
    };
  });
  for (let i = 0; i < rows.length; i += 200)
    await t.deps.db
      .insertInto("users")
      .values(rows.slice(i, i + 200))
      .execute();
}

/**
 * The database with a recorder: every statement's SQL and how many rows it returned, to check a page
 * is one bounded query (a LIMIT, and no more rows fetched than the page shows plus one).
 */
export function recordingDb(db: Db): { db: Db; queries: Array<{ sql: string; rows: number }> } {
  const queries: Array<{ sql: string; rows: number }> = [];
  const byId = new WeakMap<QueryId, { sql: string; rows: number }>();
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs) {
      // Subqueries are transformed too, but only executed statements get a result (below).
      byId.set(args.queryId, { sql: db.getExecutor().compileQuery(args.node, args.queryId).sql, rows: 0 });
      return args.node;
    },
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const q = byId.get(args.queryId);
      if (q) queries.push({ ...q, rows: args.result.rows.length });
      return args.result;
    },
  };
  return { db: db.withPlugin(plugin), queries };
}
