import type { Deps } from "../../deps.js";
import { type Rendered, renderedOffLoop } from "../../http/render-cache.js";
import { getProjectById, listProjectNames, type Project } from "../../packages/index.js";

type Entry = Pick<Project, "id" | "name" | "normalizedName">;
type Format = "json" | "html" | "text/html";

/** Rounds of catching up per request: under an endless stream of changes a request is still answered. */
const MAX_ROUNDS = 3;

/**
 * The /simple/ root listing, kept up to date one project at a time (issue 15, item 3). Every change
 * to any project used to drop it, and re-reading and re-rendering 100,000 rows took 0.7–4.4 s per
 * format. Now the sorted list of public PyPI projects lives in memory: a change marks its project
 * dirty, the next request re-reads just the dirty rows (by id) and inserts, renames or removes their
 * entries by binary search, and only if the list really changed are the renderings dropped — a new
 * version of an existing project changes nothing here. Rendering joins the in-memory lines and
 * compresses off the event loop. "*" (Redis reconnected: messages may have been missed) reloads all.
 *
 * Names are sorted by code unit (the same on SQLite and PostgreSQL, whatever the collation).
 */
export class SimpleRoot {
  #entries: Entry[] | undefined;
  #byId = new Map<string, Entry>();
  #dirty = new Set<string>();
  #reload = false;
  #syncing: Promise<void> | undefined;
  #rendered = new Map<Format, Promise<Rendered>>();
  /** Full loads from the database so far: tests check that a change does not cause one. */
  loads = 0;

  constructor(
    private readonly deps: Pick<Deps, "db" | "changes">,
    private readonly render: (
      entries: readonly Entry[],
      fmt: Format,
    ) => { text: string; contentType: string },
  ) {
    deps.changes.subscribe((projectId) => {
      if (projectId === "*") this.#reload = true;
      else this.#dirty.add(projectId);
    });
  }

  get(fmt: Format): Promise<Rendered> {
    // Hot path: nothing changed since the last rendering of this format.
    if (this.#entries && !this.#reload && this.#dirty.size === 0) {
      const hit = this.#rendered.get(fmt);
      if (hit) return hit;
    }
    return this.#sync().then(() => this.#renderOnce(fmt));
  }

  #renderOnce(fmt: Format): Promise<Rendered> {
    let r = this.#rendered.get(fmt);
    if (!r) {
      const { text, contentType } = this.render(this.#entries!, fmt);
      r = renderedOffLoop(text, contentType);
      this.#rendered.set(fmt, r);
      const mine = r;
      r.catch(() => {
        if (this.#rendered.get(fmt) === mine) this.#rendered.delete(fmt);
      });
    }
    return r;
  }

  /** One catch-up at a time; requests arriving meanwhile share it. */
  #sync(): Promise<void> {
    this.#syncing ??= this.#catchUp().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #catchUp(): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (!this.#entries || this.#reload) {
        this.#reload = false;
        this.#dirty.clear();
        this.loads++;
        // Only the three columns a listing needs: reading whole rows was most of the first request.
        const entries: Entry[] = await listProjectNames(this.deps.db, "pypi");
        // The database sorted them; a collation other than code-unit order (PostgreSQL's en_US) did not.
        if (!isSorted(entries)) entries.sort((a, b) => compare(a.normalizedName, b.normalizedName));
        this.#entries = entries;
        this.#byId = new Map(entries.map((e) => [e.id, e]));
        this.#rendered.clear();
        continue;
      }
      if (this.#dirty.size === 0) return;
      const ids = [...this.#dirty];
      this.#dirty.clear();
      let rows: (Project | null)[];
      try {
        rows = await Promise.all(ids.map((id) => getProjectById(this.deps.db, id)));
      } catch (e) {
        for (const id of ids) this.#dirty.add(id);
        throw e;
      }
      let changed = false;
      for (const [i, id] of ids.entries()) changed = this.#apply(id, rows[i] ?? null) || changed;
      if (changed) this.#rendered.clear();
    }
  }

  /** Brings one project's entry in line with its row; true if the listing changed. */
  #apply(id: string, p: Project | null): boolean {
    const entries = this.#entries!;
    const old = this.#byId.get(id);
    const listed = p !== null && p.ecosystem === "pypi" && !p.quarantinedAt;
    if (old && listed && old.name === p.name && old.normalizedName === p.normalizedName) return false;
    if (!old && !listed) return false;
    if (old) {
      const at = search(entries, old.normalizedName);
      if (entries[at]?.id === id) entries.splice(at, 1);
      this.#byId.delete(id);
    }
    if (listed) {
      const entry = { id, name: p.name, normalizedName: p.normalizedName };
      entries.splice(search(entries, entry.normalizedName), 0, entry);
      this.#byId.set(id, entry);
    }
    return true;
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function isSorted(entries: readonly Entry[]): boolean {
  for (let i = 1; i < entries.length; i++)
    if (entries[i - 1]!.normalizedName > entries[i]!.normalizedName) return false;
  return true;
}

/** The first index whose name is not below `name` (where it is, or would be inserted). */
function search(entries: readonly Entry[], name: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.normalizedName < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
