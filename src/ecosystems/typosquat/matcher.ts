import { osaDistance } from "./distance.js";
import { affixStems, squeeze, typoKey } from "./keys.js";
import { deletion2Hashes, deletionHashes } from "./variant-hash.js";
import { MAX_IDS, type VariantTable, VariantTableBuilder } from "./variant-table.js";

/** Why a new name looks like a protected one; shown to operators and in refusals. */
export type TyposquatReason =
  | "look-alike characters"
  | "doubled letters"
  | "prefix or suffix"
  | "edit distance";

export interface TyposquatMatch {
  /** The protected name as it was given to the index. */
  similarTo: string;
  reason: TyposquatReason;
  /** Damerau–Levenshtein (OSA) distance between the two keys; 0 for the other reasons' exact hits. */
  distance: number;
}

/**
 * Distance 2 costs about L²/2 index entries per name: it is indexed for this many names at most, taken
 * in priority order (the most popular), so a 700,000-name index stays in tens of megabytes.
 */
export const DISTANCE_2_NAMES = 20_000;
/** Keys this long or longer are matched at distance 2; shorter ones at distance 1. */
export const LONG_NAME = 12;
/**
 * Distance 2 is indexed only up to this key length: the two-deletion variants of a key of length L are
 * about L²/2, and names this long are rare among popular projects. Longer keys still match at distance 1.
 */
export const LONG_NAME_MAX = 40;

/**
 * The protected names of one ecosystem, indexed for the questions a typosquat check asks (symmetric
 * delete: a name within one edit of another shares a one-deletion variant with it, so a check is a few
 * dozen lookups, never a scan). `identity` is the ecosystem's normalization: a name that *is* a protected
 * project (same normalized name) is not its look-alike.
 */
export class TyposquatIndex {
  private readonly names: string[] = [];
  private readonly identities: string[] = [];
  private readonly keys: string[] = [];
  private readonly exact: VariantTable;
  private readonly squeezed: VariantTable;
  private readonly stems: VariantTable;
  private readonly near: VariantTable;
  /**
   * The first `distance2Names` long keys with their one- and two-deletion variants: the distance-2
   * search looks only here (in the whole `near` it would meet every tail name within distance 3).
   */
  private readonly far: VariantTable;
  private maxKeyLength = 0;
  private readonly distance2Names: number;

  /** `names` in priority order (most important first): when several match, the first one is reported. */
  constructor(
    names: Iterable<string>,
    private readonly identity: (name: string) => string,
    distance2Names = DISTANCE_2_NAMES,
  ) {
    const exact = new VariantTableBuilder();
    const squeezed = new VariantTableBuilder();
    const stems = new VariantTableBuilder();
    const near = new VariantTableBuilder();
    const far = new VariantTableBuilder();
    this.distance2Names = distance2Names;
    const seen = new Set<string>();
    for (const name of names) {
      const ident = identity(name);
      if (seen.has(ident)) continue;
      seen.add(ident);
      const id = this.names.length;
      if (id >= MAX_IDS) throw new RangeError(`at most ${MAX_IDS} protected names`);
      const key = typoKey(name);
      this.names.push(name);
      this.identities.push(ident);
      this.keys.push(key);
      this.maxKeyLength = Math.max(this.maxKeyLength, key.length);
      exact.add(key, id);
      squeezed.add(squeeze(key), id);
      for (const stem of affixStems(name)) stems.add(typoKey(stem), id);
      near.add(key, id);
      const d1 = deletionHashes(key);
      for (const d of d1) near.addHash(d, id);
      // The cap is what keeps 700,000 names in memory: distance 2 for all of them was 127 million
      // entries and 53 minutes of build (bench/typosquat.mjs, before this check).
      if (id < distance2Names && key.length >= LONG_NAME && key.length <= LONG_NAME_MAX) {
        far.add(key, id);
        for (const d of d1) far.addHash(d, id);
        for (const d of deletion2Hashes(key)) far.addHash(d, id);
      }
    }
    this.exact = exact.build();
    this.squeezed = squeezed.build();
    this.stems = stems.build();
    this.near = near.build();
    this.far = far.build();
  }

  get size(): number {
    return this.names.length;
  }

  /** Index entries held (for the benchmark's memory line). */
  get entries(): number {
    return this.exact.size + this.squeezed.size + this.stems.size + this.near.size + this.far.size;
  }

  /**
   * The protected name `candidate` imitates, or null. Bounded: at most (L+1) lookups at distance 1 and,
   * for keys of 10 to LONG_NAME_MAX + 2 characters, L²/2 at distance 2; a key longer than every protected
   * key by more than 2 cannot be within distance 2 of any and skips the edit search entirely.
   */
  match(candidate: string): TyposquatMatch | null {
    const self = this.identity(candidate);
    const key = typoKey(candidate);
    let best: { id: number; reason: TyposquatReason; distance: number } | null = null;
    const consider = (id: number, reason: TyposquatReason, distance: number) => {
      if (this.identities[id] === self) return;
      if (!best || id < best.id) best = { id, reason, distance };
    };
    const verify = (reason: TyposquatReason, want: (k: string) => boolean) => (id: number) => {
      const k = this.keys[id];
      if (k !== undefined && want(k)) consider(id, reason, 0);
    };

    this.exact.lookup(
      key,
      verify("look-alike characters", (k) => k === key),
    );
    const sq = squeeze(key);
    this.squeezed.lookup(
      sq,
      verify("doubled letters", (k) => squeeze(k) === sq),
    );
    for (const stem of affixStems(candidate)) {
      const sk = typoKey(stem);
      this.exact.lookup(
        sk,
        verify("prefix or suffix", (k) => k === sk),
      );
    }
    this.stems.lookup(key, (id) => {
      const name = this.names[id];
      if (name !== undefined && affixStems(name).some((s) => typoKey(s) === key))
        consider(id, "prefix or suffix", 0);
    });
    if (best) return this.answer(best);

    if (key.length > this.maxKeyLength + 2) return null;
    const edit = (id: number) => {
      const k = this.keys[id];
      if (k === undefined) return;
      const max = id < this.distance2Names && k.length >= LONG_NAME ? 2 : 1;
      const d = osaDistance(key, k, max);
      if (d >= 1 && d <= max) consider(id, "edit distance", d);
    };
    const d1 = deletionHashes(key);
    this.near.lookup(key, edit);
    for (const d of d1) this.near.lookupHash(d, edit);
    if (key.length >= LONG_NAME - 2 && key.length <= LONG_NAME_MAX + 2) {
      // Distance 2 = up to two deletions on each side: `far` holds the protected key and its one- and
      // two-deletion variants (long keys of the first names only); the candidate brings all three kinds.
      const d2 = deletion2Hashes(key);
      this.far.lookup(key, edit);
      for (const d of d1) this.far.lookupHash(d, edit);
      for (const d of d2) this.far.lookupHash(d, edit);
    }
    return best ? this.answer(best) : null;
  }

  private answer(b: { id: number; reason: TyposquatReason; distance: number }): TyposquatMatch {
    return { similarTo: this.names[b.id] ?? "", reason: b.reason, distance: b.distance };
  }
}
