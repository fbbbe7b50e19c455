import type { Block } from "../../http/blocks.js";
import type { ListedRelease } from "../../packages/index.js";

/**
 * Each version's manifest, serialised once and reused by every later rendering of its package
 * (issue 15 item 2): after a write the packument is assembled from these by concatenation, so appending
 * a version serialises one manifest, not the whole history.
 *
 * An entry is keyed by release id and stamped with everything its bytes are made of besides the
 * release id (the metadata's revision, which a database trigger bumps on every update of it — migration
 * 037 — the maintainers, the provenance): a rendering reuses it only when the stamp it computes from the
 * rows it just read is identical, and reads the metadata of the others only. So no write path has to
 * remember to drop it — a deprecation rewrites the metadata, an owner change the maintainers — and another
 * instance's write reaches it the way it reaches everything rendered: the change feed drops the
 * package's cached state (render-cache.ts), the next read re-reads the rows, and any stamp that differs
 * re-serialises its version. What is kept is only ever a faster way to the same bytes.
 *
 * An append does not even walk the history (`appendsTo`): when the new listing starts with the very
 * release objects the last rendering was made of (the listing replaces an object whenever its row
 * changes, packages/listing.ts) and the maintainers and every kept version's provenance are the same,
 * every kept fragment and every cut block of the versions is still right, and only the new versions are
 * serialised and cut (blocks.ts extendBlocks).
 */
export interface Fragment {
  stamp: string;
  /** The version's manifest in the full packument (and `GET /npm/<pkg>/<version>`). */
  full: Buffer;
  /** Its entry in the abbreviated (install) document. */
  abbreviated: Buffer;
  /** `"<version>":`, its key in both documents' `versions`. */
  key: Buffer;
  /** `,"<version>":"<ISO time>"`, its entry in the full packument's `time`. */
  time: Buffer;
}

/** What the last rendering of a package was made of, for the next one to extend. */
export interface LastRendering {
  /** The listing's releases, oldest first: the very objects it held. */
  releases: ListedRelease[];
  /** Their fragments, in the same order. */
  fragments: Fragment[];
  /** The maintainers as serialised into every manifest. */
  people: string;
  /** Each release's provenance as serialised, for the releases that have one. */
  provenance: Map<string, string>;
  /** The versions' runs as cut into blocks, by run ("full", "abbreviated", "times"). */
  runs: Map<string, Block[]>;
}

export interface FragmentSession {
  /**
   * The last rendering, when `releases` only appends to it: it starts with the very same release
   * objects, the maintainers are the same and no kept release's provenance changed. Then the session
   * keeps the old fragments as they are and `fragment` is asked for the new releases only.
   */
  appendsTo(
    releases: ListedRelease[],
    people: string,
    provenance: Map<string, string>,
  ): LastRendering | undefined;
  reusable(releaseId: string, stamp: string): boolean;
  fragment(releaseId: string, stamp: string, make: () => Omit<Fragment, "stamp">): Fragment;
  done(last?: LastRendering): void;
}

interface PackageFragments {
  byRelease: Map<string, Fragment>;
  bytes: number;
  last?: LastRendering;
}

const fragmentBytes = (f: Fragment) =>
  f.stamp.length + f.full.length + f.abbreviated.length + f.key.length + f.time.length;

/** Whether `releases` starts with `last`'s releases and nothing their fragments are made of changed. */
function appends(
  last: LastRendering,
  releases: ListedRelease[],
  people: string,
  provenance: Map<string, string>,
) {
  const kept = last.releases;
  if (people !== last.people || releases.length < kept.length) return false;
  for (let i = 0; i < kept.length; i++) if (releases[i] !== kept[i]) return false;
  // Provenance of a kept release must be as it was; a new release's may be anything.
  const added = new Set<string>();
  for (let i = kept.length; i < releases.length; i++) added.add(releases[i]!.id);
  let same = 0;
  for (const [id, p] of provenance) {
    if (added.has(id)) continue;
    if (last.provenance.get(id) !== p) return false;
    same++;
  }
  return same === last.provenance.size;
}

/** Fragments of many packages, least recently rendered dropped first beyond the byte budget. */
export class FragmentStore {
  private packages = new Map<string, PackageFragments>();
  private bytes = 0;
  /** Renderings that extended the last one (appendsTo), for tests and metrics. */
  extended = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /**
   * A rendering of one package, opened before its rows are read: `reusable(releaseId, stamp)` says
   * which versions need no metadata read at all; `fragment(releaseId, stamp, make)` returns the kept
   * fragment when its stamp is the same, else makes and keeps a new one; `done()` forgets the releases
   * it did not ask for (unpublished) and applies the budget. The package leaves the store while the
   * session is open, so no other package's rendering can evict what this one was told it may reuse.
   */
  open(projectId: string): FragmentSession {
    const old = this.packages.get(projectId);
    this.packages.delete(projectId);
    if (old) this.bytes -= old.bytes;
    // Extending: the kept entry goes on with its map as it is; otherwise a new map holds only what
    // this rendering asks for.
    let next: PackageFragments = { byRelease: new Map(), bytes: 0 };
    return {
      appendsTo: (releases, people, provenance) => {
        if (!old?.last || !appends(old.last, releases, people, provenance)) return undefined;
        next = old;
        this.extended++;
        return old.last;
      },
      reusable: (releaseId, stamp) => old?.byRelease.get(releaseId)?.stamp === stamp,
      fragment: (releaseId, stamp, make) => {
        const kept = old?.byRelease.get(releaseId);
        if (kept && kept.stamp === stamp) {
          if (next !== old) {
            next.byRelease.set(releaseId, kept);
            next.bytes += fragmentBytes(kept);
          }
          return kept;
        }
        const f = { stamp, ...make() };
        next.byRelease.set(releaseId, f);
        next.bytes += fragmentBytes(f);
        return f;
      },
      done: (last) => {
        next.last = last;
        // Re-inserted last: the Map's order is the least recently rendered first.
        const other = this.packages.get(projectId);
        if (other) this.bytes -= other.bytes;
        this.packages.delete(projectId);
        this.packages.set(projectId, next);
        this.bytes += next.bytes;
        for (const [id, p] of this.packages) {
          if (this.bytes <= this.maxBytes) break;
          this.packages.delete(id);
          this.bytes -= p.bytes;
        }
      },
    };
  }

  /** For tests and metrics: releases and bytes kept. */
  size(): { packages: number; bytes: number } {
    return { packages: this.packages.size, bytes: this.bytes };
  }
}
