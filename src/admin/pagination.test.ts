import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchEcosystem, searchProjects, TRIGRAM_CANDIDATE_CAP } from "../packages/index.js";
import {
  createTestApp,
  type FormClient,
  recordingDb,
  seedProjects,
  seedUsers,
  type TestApp,
  testDatabases,
} from "../test-support/index.js";
import { signedInAdmin } from "./test-helpers.js";

/** Every href with rel=prev / rel=next on a page, decoded. */
const rel = (html: string, which: "prev" | "next") =>
  /<a rel="(?:prev|next)" href="([^"]*)"/g.exec
    .call(new RegExp(`<a rel="${which}" href="([^"]*)"`), html)?.[1]
    ?.replace(/&amp;/g, "&") ?? null;
/** The link's URL, failing the test when the page has none. */
const must = (href: string | null): string => {
  expect(href).not.toBeNull();
  return href ?? "";
};
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

/*
 * A registry of 1,200 projects and 130 accounts: every list that grows with it shows a bounded page with
 * working previous/next links, and each page is one query with a LIMIT that fetches the page plus one row.
 */
/** Trigram probes (at most TRIGRAM_CANDIDATE_CAP + 1 ids, each with a LIMIT), and the other queries. */
function split<Q extends { sql: string; rows: number }>(queries: Q[]): [Q[], Q[]] {
  const probe = (q: Q) => /^select project_id from project_names_trgm/i.test(q.sql.trim());
  const probes = queries.filter(probe);
  for (const q of probes) {
    expect(q.sql).toMatch(/limit/i);
    expect(q.rows).toBeLessThanOrEqual(TRIGRAM_CANDIDATE_CAP + 1);
  }
  return [probes, queries.filter((q) => !probe(q))];
}

describe.each(testDatabases())("pagination over a large registry (%s)", (kind) => {
  let t: TestApp;
  let admin: FormClient;
  let aliceId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = (await signedInAdmin(t)).web;
    await seedUsers(t, 130);
    aliceId = (
      await t.deps.db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "member0007")
        .executeTakeFirstOrThrow()
    ).id;
    await seedProjects(t, 1200, { owner: aliceId });
    await seedProjects(t, 30, { prefix: "other-pkg" });
  }, 120_000);
  afterAll(() => t?.close());

  it("web search renders one page of 20, ranks prefix matches first, and its links walk the pages", async () => {
    const first = await t.app.inject({ method: "GET", url: "/search?q=pkg" });
    expect(first.statusCode).toBe(200);
    expect(count(first.body, /class="result"/g)).toBe(20);
    expect(first.body).toContain(">pkg-0000<");
    expect(first.body).not.toContain("other-pkg");
    expect(rel(first.body, "prev")).toBeNull();
    const next = rel(first.body, "next");
    expect(next).toBe("/search?q=pkg&page=2");
    const second = await t.app.inject({ method: "GET", url: must(next) });
    expect(count(second.body, /class="result"/g)).toBe(20);
    expect(second.body).toContain(">pkg-0020<");
    expect(rel(second.body, "prev")).toBe("/search?q=pkg");
    // The substring matches come after every prefix match: page 60 ends the pkg-*, 61 starts other-pkg-*.
    const late = await t.app.inject({ method: "GET", url: "/search?q=pkg&page=60" });
    expect(late.body).toContain(">pkg-1199<");
    const later = await t.app.inject({ method: "GET", url: "/search?q=pkg&page=61" });
    expect(later.body).toContain(">other-pkg-0000<");
    expect(rel(later.body, "next")).toBe("/search?q=pkg&page=62");
  });

  it("a search page is one query with a LIMIT, fetching the page plus one row", async () => {
    const { db, queries } = recordingDb(t.deps.db);
    const rows = await searchProjects(db, "pkg", { offset: 400, limit: 20 });
    expect(rows).toHaveLength(21);
    // SQLite first asks its trigram index for the candidates, itself bounded (packages/search.ts).
    const [probes, page] = split(queries);
    expect(probes).toHaveLength(kind === "sqlite" ? 1 : 0);
    expect(page).toHaveLength(1);
    expect(page[0]?.sql).toMatch(/limit/i);
    expect(page[0]?.rows).toBe(21);
  });

  it("npm search (from/size) reads one page and a bounded count", async () => {
    await seedProjects(t, 40, { prefix: "npmpkg", ecosystem: "npm" });
    const { db, queries } = recordingDb(t.deps.db);
    const r = await searchEcosystem(db, "npm", "npmpkg", 10, 20);
    expect(r.total).toBe(40);
    expect(r.projects.map((p) => p.name)).toEqual(Array.from({ length: 10 }, (_, i) => `npmpkg-00${20 + i}`));
    const [probes, reads] = split(queries);
    expect(probes).toHaveLength(kind === "sqlite" ? 1 : 0);
    expect(reads).toHaveLength(2);
    for (const q of queries) expect(q.sql).toMatch(/limit/i);
    expect(Math.max(...reads.map((q) => q.rows))).toBe(10);
    const res = await t.app.inject({ method: "GET", url: "/npm/-/v1/search?text=npmpkg&size=5&from=0" });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { total: number }).total).toBe(40);
  });

  it("a maintainer's public profile lists 50 projects a page", async () => {
    const first = await t.app.inject({ method: "GET", url: "/user/member0007/" });
    expect(first.statusCode).toBe(200);
    expect(count(first.body, /href="\/project\/pkg-\d{4}\/"/g)).toBe(50);
    const next = rel(first.body, "next");
    expect(next).toBe("/user/member0007/?page=2");
    const second = await t.app.inject({ method: "GET", url: must(next) });
    expect(second.body).toContain('href="/project/pkg-0050/"');
    expect(second.body).not.toContain('href="/project/pkg-0049/"');
  });

  it("/api/projects walks the whole ecosystem by keyset, 500 at a time", async () => {
    const seen: string[] = [];
    let url: string | null = "/api/projects?ecosystem=pypi&limit=500";
    let pages = 0;
    while (url) {
      const res = await t.app.inject({ method: "GET", url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { projects: Array<{ name: string }>; next: string | null };
      expect(body.projects.length).toBeLessThanOrEqual(500);
      seen.push(...body.projects.map((p) => p.name));
      url = body.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(1230);
    expect(new Set(seen).size).toBe(1230);
    expect(
      (await t.app.inject({ method: "GET", url: "/api/projects?ecosystem=pypi&limit=100000" })).statusCode,
    ).toBe(400);
  });

  it("the console's project search pages 50 at a time", async () => {
    const first = await admin.get("/admin/projects?q=pkg");
    expect(first.statusCode).toBe(200);
    expect(count(first.body, /data-project="pypi\//g)).toBe(50);
    const next = rel(first.body, "next");
    expect(next).toBe("/admin/projects?q=pkg&page=2");
    const second = await admin.get(must(next));
    expect(second.body).toContain('data-project="pypi/pkg-0050"');
  });

  it("the console's user list pages by keyset, newest first, and previous leads back", async () => {
    const first = await admin.get("/admin/users");
    const users = (html: string) => [...html.matchAll(/data-user="([^"]+)"/g)].map((m) => m[1]);
    const page1 = users(first.body);
    expect(page1).toHaveLength(50);
    expect(page1[0]).toBe("member0129");
    const next = rel(first.body, "next");
    expect(next).toMatch(/^\/admin\/users\?after=\d+\.[0-9a-f]+$/);
    const second = await admin.get(must(next));
    const page2 = users(second.body);
    expect(page2).toHaveLength(50);
    expect(page2[0]).toBe("member0079");
    const back = await admin.get(must(rel(second.body, "prev")));
    expect(users(back.body)).toEqual(page1);
  });
});
