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

export interface FragmentSession {
  reusable(releaseId: string, stamp: string): boolean;
  fragment(releaseId: string, stamp: string, make: () => Omit<Fragment, "stamp">): Fragment;
  done(): void;
}

interface PackageFragments {
  byRelease: Map<string, Fragment>;
  bytes: number;
}

const fragmentBytes = (f: Fragment) =>
  f.stamp.length + f.full.length + f.abbreviated.length + f.key.length + f.time.length;

/** Fragments of many packages, least recently rendered dropped first beyond the byte budget. */
export class FragmentStore {
  private packages = new Map<string, PackageFragments>();
  private bytes = 0;

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
    const next: PackageFragments = { byRelease: new Map(), bytes: 0 };
    return {
      reusable: (releaseId, stamp) => old?.byRelease.get(releaseId)?.stamp === stamp,
      fragment: (releaseId, stamp, make) => {
        const kept = old?.byRelease.get(releaseId);
        const f = kept && kept.stamp === stamp ? kept : { stamp, ...make() };
        next.byRelease.set(releaseId, f);
        next.bytes += fragmentBytes(f);
        return f;
      },
      done: () => {
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
