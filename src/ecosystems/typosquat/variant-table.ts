/**
 * A multiset of (variant string -> name id) held as one sorted Float64Array of `hash·2^21 + id`: about
 * 8 bytes per variant instead of a Map entry and a string each, which is what lets 700,000 names with
 * all their one-deletion variants fit in tens of megabytes. Hash collisions only cost a wasted
 * comparison: every hit is verified against the real key by the caller.
 */
// 32 hash bits + 21 id bits = 53: every entry is an exact integer in a double (2^54 would round).
const ID_BITS = 2 ** 21;
export const MAX_IDS = ID_BITS;

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class VariantTableBuilder {
  private buf = new Float64Array(1024);
  private size = 0;

  add(variant: string, id: number): void {
    if (this.size === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.size++] = fnv1a(variant) * ID_BITS + id;
  }

  build(): VariantTable {
    return new VariantTable(this.buf.slice(0, this.size).sort());
  }
}

export class VariantTable {
  constructor(private readonly entries: Float64Array) {}

  get size(): number {
    return this.entries.length;
  }

  /** Calls `hit` with every id stored under a variant hashing like `variant`. */
  lookup(variant: string, hit: (id: number) => void): void {
    const h = fnv1a(variant);
    const low = h * ID_BITS;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] ?? 0) < low) lo = mid + 1;
      else hi = mid;
    }
    const high = low + ID_BITS;
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i] ?? high;
      if (e >= high) break;
      hit(e - low);
    }
  }
}
