import type { FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { BlockStore } from "../../http/blocks.js";
import { RenderCache, type Rendered } from "../../http/render-cache.js";
import { ListingStore } from "../../packages/index.js";
import { npmErrors } from "./errors.js";
import { FragmentStore } from "./fragments.js";
import { loadPackageBasics, loadPackageListing, loadPackageView, type PackageView } from "./package-view.js";
import { type PackageState, renderFull, renderState } from "./packument.js";

/** The per-package read model: cached renderings for readers, fresh views for writers. */
export class PackageStates {
  private readonly cache: RenderCache<PackageState>;
  /** Each version's serialised manifest, so a re-render after a write serialises only what changed. */
  private readonly fragments = new FragmentStore();
  /** The documents' gzip and hashes by block, so a re-render compresses only the blocks that changed. */
  private readonly blocks = new BlockStore();
  /** Each package's releases and files as last read, so a re-render reads only what a write changed. */
  private readonly listings = new ListingStore();

  constructor(private readonly deps: Deps) {
    this.cache = new RenderCache(deps.changes, { maxEntries: 2_000 });
  }

  /** Rendered state for serving (cached until the package changes). */
  get(name: string): Promise<PackageState | null> {
    return this.cache.get(name, async () => {
      const v = await loadPackageListing(this.deps.db, name, this.fragments, this.listings);
      // Quarantined: no packument, manifest or tarball for installers (issue 18 item 3); not kept, so
      // lifting it (a change-feed message for the project) serves it again at once.
      if (!v || v.project.quarantinedAt) return null;
      const s = await renderState(this.deps.config.origin, v, this.blocks);
      return { value: s, group: s.projectId, bytes: s.bytes };
    });
  }

  /** The full packument from a fresh read (`?write=true`: read-modify-write clients need the current _rev). */
  async freshFull(name: string): Promise<Rendered> {
    const v = await loadPackageListing(this.deps.db, name, this.fragments, this.listings);
    if (!v) throw npmErrors.PACKAGE_NOT_FOUND(`No package named '${name}' on this registry.`);
    return renderFull(this.deps.config.origin, v, this.blocks);
  }

  /** A fresh read of the package without its releases (never a cached copy). */
  async basics(name: string): Promise<Omit<PackageView, "releases">> {
    const v = await loadPackageBasics(this.deps.db, name);
    if (!v) throw npmErrors.PACKAGE_NOT_FOUND(`No package named '${name}' on this registry.`);
    return v;
  }

  /** A fresh read from the database, for writes (never a cached copy: revs must be current). */
  async view(name: string): Promise<PackageView> {
    const v = await loadPackageView(this.deps.db, name);
    if (!v) throw npmErrors.PACKAGE_NOT_FOUND(`No package named '${name}' on this registry.`);
    return v;
  }
}

/** npm asks for the abbreviated document with this Accept type (q-values are not worth parsing here). */
export function wantsAbbreviated(req: FastifyRequest): boolean {
  return String(req.headers.accept ?? "").includes("application/vnd.npm.install-v1+json");
}
