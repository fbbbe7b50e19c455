import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transaction } from "../../db/index.js";
import { BlockStore } from "../../http/blocks.js";
import {
  deleteRelease,
  findProject,
  findRelease,
  type ListedRelease,
  ListingStore,
} from "../../packages/index.js";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { FragmentStore } from "./fragments.js";
import { loadPackageListing } from "./package-view.js";
import { renderState } from "./packument.js";
import { npmUser, publishBody } from "./test-fixtures.js";

describe("FragmentStore", () => {
  const made = (tag: string) => () => ({
    full: Buffer.from(`{"f":"${tag}"}`),
    abbreviated: Buffer.from("{}"),
    key: Buffer.alloc(0),
    time: Buffer.alloc(0),
  });

  it("reuses a fragment only while its stamp is the same, and forgets releases no longer asked for", () => {
    const store = new FragmentStore();
    let open = store.open("p");
    const a1 = open.fragment("a", "stamp-1", made("a1"));
    open.fragment("b", "stamp-1", made("b1"));
    open.done();
    open = store.open("p");
    expect(open.fragment("a", "stamp-1", made("a2"))).toBe(a1);
    expect(open.fragment("b", "stamp-2", made("b2")).full.toString()).toBe('{"f":"b2"}');
    open.done();
    // A rendering without "a" (unpublished): it is not kept for the next one.
    open = store.open("p");
    open.fragment("b", "stamp-2", made("b3"));
    open.done();
    open = store.open("p");
    expect(open.fragment("a", "stamp-1", made("a3")).full.toString()).toBe('{"f":"a3"}');
    open.done();
  });

  it("drops the least recently rendered package beyond its byte budget", () => {
    // Each package's one fragment is 12 bytes (stamp, full, abbreviated): two fit, three do not.
    const store = new FragmentStore(25);
    for (const p of ["p", "q", "r"]) {
      const open = store.open(p);
      open.fragment("x", "s", made(p));
      open.done();
    }
    const kept = store.size();
    expect(kept).toEqual({ packages: 2, bytes: 24 });
    // The newest is kept; "p", rendered first, went first.
    const open = store.open("p");
    let remade = false;
    open.fragment("x", "s", () => {
      remade = true;
      return made("p2")();
    });
    expect(remade).toBe(true);
  });
});

describe("FragmentStore.appendsTo: an append extends the last rendering, anything else does not", () => {
  const rel = (id: string) => ({ id, version: id }) as unknown as ListedRelease;
  const [a, b, c] = [rel("a"), rel("b"), rel("c")];
  const frag = {
    stamp: "",
    full: Buffer.alloc(0),
    abbreviated: Buffer.alloc(0),
    key: Buffer.alloc(0),
    time: Buffer.alloc(0),
  };
  /** A store whose last rendering of "p" was made of a and b, with a's provenance. */
  const rendered = () => {
    const store = new FragmentStore();
    const open = store.open("p");
    open.done({
      releases: [a, b],
      fragments: [frag, frag],
      people: "alice",
      provenance: new Map([["a", "{a}"]]),
      runs: new Map(),
    });
    return store;
  };
  /** Whether a listing of `releases` with these maintainers and provenances (release id → JSON) extends it. */
  const extendsWith = (releases: ListedRelease[], people: string, provenance: Record<string, string>) =>
    rendered()
      .open("p")
      .appendsTo(releases, people, new Map(Object.entries(provenance))) !== undefined;

  it("extends when the same release objects come first and what their bytes are made of is the same", () => {
    expect(extendsWith([a, b, c], "alice", { a: "{a}" })).toBe(true);
    // The new release may have any provenance.
    expect(extendsWith([a, b, c], "alice", { a: "{a}", c: "{c}" })).toBe(true);
    expect(extendsWith([a, b], "alice", { a: "{a}" })).toBe(true);
  });

  it("does not extend when a kept release was replaced, removed or moved", () => {
    expect(extendsWith([a, rel("b"), c], "alice", { a: "{a}" })).toBe(false);
    expect(extendsWith([a, c], "alice", { a: "{a}" })).toBe(false);
    expect(extendsWith([b, a, c], "alice", { a: "{a}" })).toBe(false);
    expect(extendsWith([a], "alice", { a: "{a}" })).toBe(false);
  });

  it("does not extend when the maintainers or a kept release's provenance changed", () => {
    expect(extendsWith([a, b, c], "alice,bob", { a: "{a}" })).toBe(false);
    expect(extendsWith([a, b, c], "alice", { a: "{a2}" })).toBe(false);
    expect(extendsWith([a, b, c], "alice", { a: "{a}", b: "{b}" })).toBe(false);
    expect(extendsWith([a, b, c], "alice", {})).toBe(false);
  });
});

describe.each(testDatabases())("npm packuments assembled from per-version fragments on %s", (kind) => {
  let t: TestApp;
  let auth: Record<string, string>;
  beforeEach(async () => {
    t = await createTestApp(kind);
    auth = (await npmUser(t, "alice")).auth;
  });
  afterEach(async () => {
    await t.close();
  });

  const publish = async (version: string, o: Parameters<typeof publishBody>[2] = {}) => {
    const r = await t.app.inject({
      method: "PUT",
      url: "/npm/demo",
      payload: await publishBody("demo", version, o),
      headers: auth,
    });
    expect(r.statusCode).toBe(201);
  };
  const get = (accept: string) => t.app.inject({ url: "/npm/demo", headers: { accept } });
  const FULL = "application/json";
  const ABBREVIATED = "application/vnd.npm.install-v1+json";

  /** Rewrites one version's stored metadata with `deprecated` set, in the database only; the project. */
  const deprecateInPlace = async (version: string, message: string) => {
    const project = (await findProject(t.deps.db, "npm", "demo"))!;
    const row = await t.deps.db
      .selectFrom("releases")
      .select(["id", "metadata"])
      .where("project_id", "=", project.id)
      .where("version", "=", version)
      .executeTakeFirstOrThrow();
    await t.deps.db
      .updateTable("releases")
      .set({ metadata: JSON.stringify({ ...JSON.parse(row.metadata), deprecated: message }) })
      .where("id", "=", row.id)
      .execute();
    return project;
  };

  /** What a rendering from scratch (no fragments kept) makes of the rows now. */
  const fromScratch = async () => {
    const v = await loadPackageListing(t.deps.db, "demo");
    return renderState(t.deps.config.origin, v!);
  };

  it("serves the bytes a rendering from scratch makes, through appends and changes no write path announces to it", async () => {
    await publish("1.0.0", {
      readme: "# one\n",
      extraManifest: { scripts: { install: "node x.js" }, keywords: ["k"] },
    });
    await publish("1.1.0", {
      readme: "# two\n",
      extraManifest: { license: "MIT", homepage: "https://e.test/" },
    });
    await get(FULL);
    await get(ABBREVIATED);
    await publish("1.2.0", { tag: "next", readme: "# three\n" });

    // A change to one version's stored metadata and to the maintainers, written behind the renderer's back.
    const project = await deprecateInPlace("1.0.0", "use 1.1");
    const bob = await npmUser(t, "bob");
    await t.deps.db
      .insertInto("roles")
      .values({ project_id: project.id, user_id: bob.user.id, role: "maintainer", created_at: Date.now() })
      .execute();
    await t.deps.changes.publish(project.id);

    const scratch = await fromScratch();
    const full = await get(FULL);
    const abbreviated = await get(ABBREVIATED);
    expect(full.rawPayload.equals(scratch.full!.body)).toBe(true);
    expect(abbreviated.rawPayload.equals(scratch.abbreviated!.body)).toBe(true);
    expect(full.headers.etag).toBe(scratch.full!.etag);

    const doc = full.json();
    // Canonical JSON: one key per name, in JSON.stringify's own form.
    expect(JSON.stringify(doc)).toBe(full.body);
    expect(Object.keys(doc)).toEqual([
      "_id",
      "_rev",
      "name",
      "description",
      "dist-tags",
      "versions",
      "time",
      "maintainers",
      "readme",
      "readmeFilename",
      "homepage",
      "license",
    ]);
    expect(doc.versions["1.0.0"].deprecated).toBe("use 1.1");
    expect(doc.versions["1.2.0"].maintainers.map((m: { name: string }) => m.name).sort()).toEqual([
      "alice",
      "bob",
    ]);
    // The latest's README only; versions carry none.
    expect(doc.readme).toBe("# two\n");
    expect(doc.versions["1.0.0"].readme).toBeUndefined();
    expect(abbreviated.json().versions["1.0.0"]).toMatchObject({
      deprecated: "use 1.1",
      hasInstallScript: true,
    });

    const one = await t.app.inject({ url: "/npm/demo/1.0.0" });
    expect(one.json()).toEqual(doc.versions["1.0.0"]);
    expect((await t.app.inject({ url: "/npm/demo/next" })).json().version).toBe("1.2.0");
    expect((await t.app.inject({ url: "/npm/demo/9.9.9" })).statusCode).toBe(404);
  });

  it("serves the bytes from scratch after an unpublished version, a dist-tag move and an owner change", async () => {
    for (const v of ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]) await publish(v);
    const check = async () => {
      const scratch = await fromScratch();
      const full = await get(FULL);
      const abbreviated = await get(ABBREVIATED);
      expect(full.rawPayload.equals(scratch.full!.body)).toBe(true);
      expect(abbreviated.rawPayload.equals(scratch.abbreviated!.body)).toBe(true);
      expect(full.headers.etag).toBe(scratch.full!.etag);
      return full.json();
    };
    await check();
    const project = (await findProject(t.deps.db, "npm", "demo"))!;
    const gone = await findRelease(t.deps.db, project.id, "1.1.0");
    await transaction(t.deps.db, (tx) => deleteRelease(tx, gone!.id));
    await t.deps.changes.publish(project.id);
    expect(Object.keys((await check()).versions)).toEqual(["1.0.0", "1.2.0", "1.3.0"]);
    await t.deps.db
      .updateTable("dist_tags")
      .set({ version: "1.0.0" })
      .where("project_id", "=", project.id)
      .where("tag", "=", "latest")
      .execute();
    await t.deps.changes.publish(project.id);
    expect((await check())["dist-tags"].latest).toBe("1.0.0");
    const bob = await npmUser(t, "bob");
    await t.deps.db
      .insertInto("roles")
      .values({ project_id: project.id, user_id: bob.user.id, role: "owner", created_at: Date.now() })
      .execute();
    await t.deps.changes.publish(project.id);
    expect((await check()).maintainers).toHaveLength(2);
    await publish("1.4.0");
    expect(Object.keys((await check()).versions)).toEqual(["1.0.0", "1.2.0", "1.3.0", "1.4.0"]);
  });

  it("extends the last rendering on an append and still makes the bytes, gzip and ETag of a rendering from scratch", async () => {
    const { gunzipSync } = await import("node:zlib");
    // ~9 KB manifests: 40 versions make a packument of ten 32 KiB blocks, so appends extend a run.
    const long = "y".repeat(9_000);
    for (let i = 0; i < 40; i++) await publish(`1.0.${i}`, { extraManifest: { description: long } });
    const fragments = new FragmentStore();
    const listings = new ListingStore();
    const blocks = new BlockStore();
    const render = async () => {
      const v = await loadPackageListing(t.deps.db, "demo", fragments, listings);
      return renderState(t.deps.config.origin, v!, blocks);
    };
    const same = async (label: string) => {
      const [kept, scratch] = [await render(), await fromScratch()];
      for (const doc of ["full", "abbreviated"] as const) {
        expect(kept[doc]!.body.equals(scratch[doc]!.body), `${label} ${doc}`).toBe(true);
        expect(gunzipSync(kept[doc]!.gzip).equals(scratch[doc]!.body), `${label} ${doc} gzip`).toBe(true);
        expect(kept[doc]!.etag, `${label} ${doc} etag`).toBe(scratch[doc]!.etag);
      }
      expect(kept.manifests.get("1.0.0")!.equals(scratch.manifests.get("1.0.0")!)).toBe(true);
    };
    await same("first");
    expect(fragments.extended).toBe(0);
    for (let i = 0; i < 6; i++) {
      t.clock.advance(1000);
      await publish(`2.0.${i}`, { extraManifest: { description: long } });
      const before = blocks.compressed;
      await same(`append ${i}`);
      expect(fragments.extended).toBe(i + 1);
      // The head, the tail, `time` and the last block of each run: not the history's blocks.
      expect(blocks.compressed - before).toBeLessThan(12);
    }
    expect(blocks.reusedWhole).toBeGreaterThan(0);
    expect((await fromScratch()).full!.body.length).toBeGreaterThan(10 * 32 * 1024);

    // A deprecation of an old version (its metadata rewritten): the history is walked again.
    await deprecateInPlace("1.0.3", "old");
    await same("deprecation");
    expect(fragments.extended).toBe(6);
    t.clock.advance(1000);
    await publish("3.0.0");
    await same("append after the deprecation");
    expect(fragments.extended).toBe(7);
  });

  it("gzips and tags a large packument block by block: the gzip is the body, the ETag follows every change", async () => {
    // ~100 KB of README keeps the test quick; the description field makes each manifest large.
    const big = "x".repeat(40_000);
    const { gunzipSync } = await import("node:zlib");
    const seen = new Set<string>();
    for (const v of ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]) {
      await publish(v, { extraManifest: { description: big } });
      for (const accept of [FULL, ABBREVIATED]) {
        const r = await t.app.inject({ url: "/npm/demo", headers: { accept, "accept-encoding": "gzip" } });
        expect(r.headers["content-encoding"]).toBe("gzip");
        const body = gunzipSync(r.rawPayload);
        const scratch = await fromScratch();
        const expected = accept === FULL ? scratch.full! : scratch.abbreviated!;
        expect(body.equals(expected.body)).toBe(true);
        // Canonical JSON: what JSON.stringify of the whole document writes.
        expect(JSON.stringify(JSON.parse(body.toString()))).toBe(body.toString());
        expect(r.headers.etag).toBe(expected.etag);
        expect(seen.has(String(r.headers.etag))).toBe(false);
        seen.add(String(r.headers.etag));
      }
    }
    expect((await fromScratch()).full!.body.length).toBeGreaterThan(64 * 1024);
  });
});
