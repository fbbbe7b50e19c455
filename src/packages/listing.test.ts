import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transaction } from "../db/index.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { ListingStore, readListing } from "./listing.js";
import { insertProject, type Project } from "./projects.js";
import { deleteFile, deleteRelease, insertFile, insertRelease, setYanked } from "./release-writes.js";
import type { ListedRelease } from "./releases.js";

describe("ListingStore", () => {
  it("drops the least recently read project beyond its release budget", () => {
    const store = new ListingStore(3);
    const r = { id: "r" } as ListedRelease;
    store.put("a", { seq: 1, releases: [r, r] });
    store.put("b", { seq: 1, releases: [r] });
    expect(store.get("a")).toBeDefined();
    store.put("c", { seq: 1, releases: [r] });
    expect(store.get("a")).toBeUndefined();
    expect(store.get("b")?.releases).toHaveLength(1);
    expect(store.get("c")).toBeDefined();
  });
});

describe.each(testDatabases())("incremental listing on %s", (kind) => {
  let t: TestApp;
  let project: Project;
  let clock = 1_700_000_000_000;
  beforeEach(async () => {
    t = await createTestApp(kind);
    project = await insertProject(t.deps.db, clock, {
      ecosystem: "pypi",
      name: "demo",
      normalizedName: "demo",
      ultranormalizedName: "demo",
    });
  });
  afterEach(async () => {
    await t.close();
  });

  /** Releases with two files each, in one transaction (as an upload writes them). */
  async function add(versions: string[]) {
    const ids: string[] = [];
    await transaction(t.deps.db, async (tx) => {
      for (const version of versions) {
        clock += 1000;
        const r = await insertRelease(tx, clock, {
          projectId: project.id,
          version,
          canonicalVersion: version,
          requiresPython: null,
          summary: "s",
          description: "d",
          descriptionContentType: "text/plain",
          metadata: { v: version },
        });
        ids.push(r.id);
        for (const suffix of [".tar.gz", "-py3-none-any.whl"]) {
          const sha256 = randomBytes(32).toString("hex");
          await insertFile(tx, clock, {
            projectId: project.id,
            releaseId: r.id,
            uploadedBy: null,
            filename: `demo-${version}${suffix}`,
            packagetype: suffix === ".tar.gz" ? "sdist" : "bdist_wheel",
            pythonVersion: null,
            requiresPython: null,
            size: 10,
            sha256,
            blake2b256: sha256,
            md5: sha256.slice(0, 32),
            blobKey: `pypi/${sha256}`,
            metadataSha256: null,
            metadataBlobKey: null,
          });
        }
      }
    });
    return ids;
  }

  /** The incremental read equals a read from scratch, and how it was read. */
  async function same(store: ListingStore) {
    const before = { ...store.reads };
    const incremental = await readListing(t.deps.db, project.id, store);
    const scratch = await readListing(t.deps.db, project.id);
    expect(incremental).toEqual(scratch);
    const r = store.reads;
    if (r.delta > before.delta) return "delta";
    if (r.unchanged > before.unchanged) return "unchanged";
    return "full";
  }

  it("reads only what changed, through appends, a yank, a metadata edit and deletes, with the same rows", async () => {
    const store = new ListingStore();
    const ids = await add(["1.0", "1.1", "1.2"]);
    expect(await same(store)).toBe("full");
    expect(await same(store)).toBe("unchanged");
    await add(["1.3"]);
    expect(await same(store)).toBe("delta");
    expect((await readListing(t.deps.db, project.id, store)).map((r) => r.version)).toEqual([
      "1.0",
      "1.1",
      "1.2",
      "1.3",
    ]);
    await setYanked(t.deps.db, clock, ids[1]!, "broken", true);
    expect(await same(store)).toBe("delta");
    await t.deps.db.updateTable("releases").set({ metadata: "{}" }).where("id", "=", ids[0]!).execute();
    expect(await same(store)).toBe("delta");
    const one = await t.deps.db
      .selectFrom("files")
      .select("id")
      .where("release_id", "=", ids[2]!)
      .executeTakeFirstOrThrow();
    await transaction(t.deps.db, (tx) => deleteFile(tx, one.id));
    expect(await same(store)).toBe("delta");
    await transaction(t.deps.db, (tx) => deleteRelease(tx, ids[0]!));
    expect(await same(store)).toBe("delta");
    expect((await readListing(t.deps.db, project.id, store)).map((r) => r.version)).toEqual([
      "1.1",
      "1.2",
      "1.3",
    ]);
    // The releases no write touched are the very objects read before (renderers key fragments by them).
    const a = await readListing(t.deps.db, project.id, store);
    await add(["1.4"]);
    const b = await readListing(t.deps.db, project.id, store);
    expect(b[0]).toBe(a[0]);
    expect(b.at(-1)!.version).toBe("1.4");
  });

  it("sees another reader's writes (a second instance) without any message, and keeps the caller's array its own", async () => {
    const mine = new ListingStore();
    const other = new ListingStore();
    await add(["1.0"]);
    expect(await same(mine)).toBe("full");
    expect(await same(other)).toBe("full");
    await add(["2.0"]);
    expect(await same(other)).toBe("delta");
    await add(["3.0"]);
    // Two writes behind: one delta covers both.
    expect(await same(mine)).toBe("delta");
    const list = await readListing(t.deps.db, project.id, mine);
    list.reverse();
    expect((await readListing(t.deps.db, project.id, mine)).map((r) => r.version)).toEqual([
      "1.0",
      "2.0",
      "3.0",
    ]);
  });

  it("ends with the rows from scratch after concurrent writes to one project read while they commit", async () => {
    const store = new ListingStore();
    await add(["0.0"]);
    await readListing(t.deps.db, project.id, store);
    const writes = Array.from({ length: 8 }, (_, i) => add([`1.${i}`, `2.${i}`]));
    const reads = Array.from({ length: 8 }, () => readListing(t.deps.db, project.id, store));
    await Promise.all([...writes, ...reads]);
    await same(store);
    expect((await readListing(t.deps.db, project.id, store)).length).toBe(17);
  });

  it("reads everything when the log cannot account for the change: a gap, or too long a history to catch up", async () => {
    const store = new ListingStore();
    await add(["1.0"]);
    expect(await same(store)).toBe("full");
    await add(["1.1"]);
    // An entry missing from the log (as if pruned, or not yet visible): never trust the rest.
    const last = await t.deps.db
      .selectFrom("listing_changes")
      .select("seq")
      .where("project_id", "=", project.id)
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    await t.deps.db
      .deleteFrom("listing_changes")
      .where("project_id", "=", project.id)
      .where("seq", "=", last.seq - 1)
      .execute();
    expect(await same(store)).toBe("full");
    // 300 releases of two files each: 900 changes, beyond what a delta is worth.
    await add(Array.from({ length: 300 }, (_, i) => `2.${i}`));
    expect(await same(store)).toBe("full");
    expect(await same(store)).toBe("unchanged");
  });

  it("numbers every release and file write on the project, and keeps the log bounded", async () => {
    const seq = async () =>
      (
        await t.deps.db
          .selectFrom("projects")
          .select("listing_seq")
          .where("id", "=", project.id)
          .executeTakeFirstOrThrow()
      ).listing_seq;
    expect(await seq()).toBe(0);
    const [id] = await add(["1.0"]);
    // The release and its two files.
    expect(await seq()).toBe(3);
    await setYanked(t.deps.db, clock, id!, null, true);
    expect(await seq()).toBe(4);
    // A column no listing reads (the rendered README) is no change to the listing.
    await t.deps.db
      .updateTable("releases")
      .set({ description_html: "<p>d</p>" })
      .where("id", "=", id!)
      .execute();
    expect(await seq()).toBe(4);
    await add(Array.from({ length: 400 }, (_, i) => `2.${i}`));
    const log = await t.deps.db
      .selectFrom("listing_changes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", project.id)
      .executeTakeFirstOrThrow();
    expect(Number(log.n)).toBe(1000);
  });
});
