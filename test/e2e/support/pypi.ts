import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Db, openDatabase } from "../../../src/db/index.js";
import { HttpFormClient } from "./http.js";
import { runWharf, type WharfServer } from "./server.js";

/** The database a running server uses (its WHARF_DATABASE_URL, else the SQLite file in its data dir). */
export function databaseUrlOf(server: WharfServer): string {
  return server.env.WHARF_DATABASE_URL ?? `sqlite:${join(server.dataDir, "wharf.db")}`;
}

/**
 * Opens the server's database from the test process, for the few things no surface offers yet (moving a
 * token's expiry into the past, revoking without a browser session) and for checking what was stored.
 */
export async function withDatabase<T>(server: WharfServer, work: (db: Db) => Promise<T>): Promise<T> {
  const handle = openDatabase(databaseUrlOf(server));
  try {
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

/** `wharf <args>` against the server's data dir and database; throws with its output unless exit 0. */
export async function wharfCli(server: WharfServer, args: string[], stdin = ""): Promise<string> {
  const r = await runWharf(args, server.env, stdin);
  if (r.code !== 0) throw new Error(`wharf ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A verified account made with `wharf user create`. */
export async function createMaintainer(server: WharfServer, username: string, password: string) {
  const email = `${username}@example.test`;
  const args = ["user", "create", "--username", username, "--email", email, "--password-stdin", "--verified"];
  await wharfCli(server, args, `${password}\n`);
}

/** `wharf token create` prints only the token. */
export async function createToken(
  server: WharfServer,
  username: string,
  opts: { projects?: string[]; expiresDays?: number } = {},
): Promise<string> {
  const args = ["token", "create", "--user", username, "--reason", "e2e automation"];
  for (const p of opts.projects ?? []) args.push("--project", p);
  if (opts.expiresDays !== undefined) args.push("--expires", String(opts.expiresDays));
  const token = (await wharfCli(server, args)).trim();
  if (!/^wharf_[A-Za-z0-9_-]{55}$/.test(token)) throw new Error(`not a token: ${JSON.stringify(token)}`);
  return token;
}

/** The lookup id inside a token (`wharf_` + 12 characters), which names its row. */
export const tokenLookupOf = (token: string): string => token.slice("wharf_".length, "wharf_".length + 12);

/** A browser-like client signed in to the web pages (password only: no second factor enrolled). */
export async function signInWeb(server: WharfServer, username: string, password: string) {
  const web = new HttpFormClient();
  await web.get(`${server.url}/account/login`);
  const res = await web.post(`${server.url}/account/login`, { username, password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}:\n${res.body.slice(0, 2000)}`);
  return web;
}

/** Revokes a token the way its owner does: the Revoke button on /account/tokens. */
export async function revokeOnTokensPage(server: WharfServer, web: HttpFormClient, token: string) {
  const page = await web.get(`${server.url}/account/tokens`);
  const prefix = `wharf_${tokenLookupOf(token).slice(0, 6)}`;
  const row = new RegExp(`<tr data-token="([^"]+)">(?:(?!</tr>)[\\s\\S])*?<code>${prefix}`).exec(page.body);
  if (!row) throw new Error(`no row for ${prefix}… on /account/tokens (${page.status})`);
  const res = await web.post(`${server.url}/account/tokens/${row[1]}/revoke`, {});
  if (res.status !== 303) throw new Error(`revoking answered ${res.status}`);
}

/** GETs with pip's Accept header by default; returns status, headers and the raw bytes. */
export async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, {
    redirect: "manual",
    headers: {
      accept:
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01",
      ...headers,
    },
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

export interface SimpleFile {
  filename: string;
  url: string;
  hashes: { sha256: string };
  yanked: boolean | string;
  "core-metadata": false | { sha256: string };
  size: number;
}

/** The PEP 691 JSON project page, or its HTTP status when there is none. */
export async function simpleJson(
  baseUrl: string,
  project: string,
): Promise<{ status: number; files: SimpleFile[]; versions: string[] }> {
  const r = await get(`${baseUrl}/simple/${project}/`);
  if (r.status !== 200) return { status: r.status, files: [], versions: [] };
  const page = JSON.parse(r.body.toString("utf8")) as { files: SimpleFile[]; versions: string[] };
  return { status: r.status, files: page.files, versions: page.versions };
}

/** Regular files under `dir`, recursively, relative to it; [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
