/**
 * 32-bit hashes of a string and of its one- and two-deletion variants, without building the variants.
 * Building them was the cost of a check: ~200 concatenated strings per 20-character name, which V8 must
 * flatten to hash (~300 µs per check, bench/typosquat.mjs). A polynomial hash of the UTF-16 code units
 * (mod 2^32) composes from prefix hashes, so each variant's hash is O(1); a final bijective mixer
 * (MurmurHash3's fmix32) spreads it into the top bits the table's buckets use. Collisions only cost a
 * verification: every hit is compared with the real key.
 */
const BASE = 0x2f0b3a5d; // odd, so multiplication by it is invertible mod 2^32

function fmix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Prefix hashes and powers of `s`: `pre[k]` is the hash of its first k code units. */
function prefixes(s: string): { pre: Int32Array; pow: Int32Array } {
  const n = s.length;
  const pre = new Int32Array(n + 1);
  const pow = new Int32Array(n + 1);
  pow[0] = 1;
  for (let k = 0; k < n; k++) {
    pre[k + 1] = (Math.imul(pre[k] ?? 0, BASE) + s.charCodeAt(k)) | 0;
    pow[k + 1] = Math.imul(pow[k] ?? 0, BASE);
  }
  return { pre, pow };
}

export function variantHash(s: string): number {
  let h = 0;
  for (let k = 0; k < s.length; k++) h = (Math.imul(h, BASE) + s.charCodeAt(k)) | 0;
  return fmix(h);
}

/** The hashes of `s`'s one-deletion variants, each once. */
export function deletionHashes(s: string): number[] {
  const n = s.length;
  const { pre, pow } = prefixes(s);
  const sub = (a: number, b: number) => ((pre[b] ?? 0) - Math.imul(pre[a] ?? 0, pow[b - a] ?? 0)) | 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Deleting any letter of a run gives the same string: hash it once.
    if (i > 0 && s.charCodeAt(i) === s.charCodeAt(i - 1)) continue;
    out.push(fmix((Math.imul(pre[i] ?? 0, pow[n - 1 - i] ?? 0) + sub(i + 1, n)) | 0));
  }
  return out;
}

/** The hashes of `s`'s two-deletion variants, each once (about L²/2 of them). */
export function deletion2Hashes(s: string): number[] {
  const n = s.length;
  const { pre, pow } = prefixes(s);
  const sub = (a: number, b: number) => ((pre[b] ?? 0) - Math.imul(pre[a] ?? 0, pow[b - a] ?? 0)) | 0;
  const out = new Set<number>();
  for (let i = 0; i < n; i++) {
    const head = Math.imul(pre[i] ?? 0, pow[n - 2 - i] ?? 0);
    for (let j = i + 1; j < n; j++) {
      const h = (head + Math.imul(sub(i + 1, j), pow[n - 1 - j] ?? 0) + sub(j + 1, n)) | 0;
      out.add(fmix(h));
    }
  }
  return [...out];
}
