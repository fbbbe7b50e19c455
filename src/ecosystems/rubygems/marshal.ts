/**
 * A Ruby Marshal (format 4.8) WRITER for exactly the shapes RubyGems' `quick/Marshal.4.8/*.gemspec.rz`
 * and `specs.4.8.gz` files hold: nil, true/false, small integers, UTF-8 strings, binary strings,
 * symbols, arrays, hashes, plain objects with instance variables (Gem::Dependency, Gem::Platform),
 * `marshal_dump` objects (Gem::Version, Gem::Requirement) and `_dump` objects (Gem::Specification).
 * No reader: Wharf never loads Marshal data, it only writes what `gem` loads. The layout follows
 * Ruby's marshal.c (w_object); marshal.test.ts has real Ruby load every shape.
 */

export type RubyValue =
  | null
  | boolean
  | number
  | string
  | RubySymbol
  | RubyBinary
  | RubyValue[]
  | RubyHash
  | RubyObject
  | RubyUserMarshal
  | RubyUserDefined;

export interface RubySymbol {
  kind: "symbol";
  name: string;
}
/** A String with no encoding (ASCII-8BIT), as `_dump` returns. */
export interface RubyBinary {
  kind: "binary";
  bytes: Buffer;
}
export interface RubyHash {
  kind: "hash";
  entries: [RubyValue, RubyValue][];
}
/** `o`: an instance of `className` with these instance variables (names without the '@'). */
export interface RubyObject {
  kind: "object";
  className: string;
  ivars: [string, RubyValue][];
}
/** `U`: a class with `marshal_dump`; `data` is what it returned. */
export interface RubyUserMarshal {
  kind: "marshal_dump";
  className: string;
  data: RubyValue;
}
/** `u`: a class with `_dump`; `bytes` is the string it returned. */
export interface RubyUserDefined {
  kind: "_dump";
  className: string;
  bytes: Buffer;
}

export const sym = (name: string): RubySymbol => ({ kind: "symbol", name });

class Writer {
  private chunks: number[] = [];
  private symbols = new Map<string, number>();

  bytes(b: Uint8Array): void {
    for (const x of b) this.chunks.push(x);
  }

  private byte(...b: number[]): void {
    this.chunks.push(...b);
  }

  /** marshal.c w_long: 0; 1..122 as n+5; -123..-1 as n-5; else a length byte and little-endian bytes. */
  long(n: number): void {
    if (!Number.isInteger(n) || n < -(2 ** 30) || n >= 2 ** 30)
      throw new RangeError(`Marshal writer: integer ${n} out of the Fixnum range it supports`);
    if (n === 0) this.byte(0);
    else if (n > 0 && n < 123) this.byte(n + 5);
    else if (n < 0 && n > -124) this.byte((n - 5) & 0xff);
    else {
      const out: number[] = [];
      let x = n;
      for (let i = 0; i < 4; i++) {
        out.push(x & 0xff);
        x >>= 8;
        if ((n >= 0 && x === 0) || (n < 0 && x === -1)) break;
      }
      this.byte(n >= 0 ? out.length : 256 - out.length, ...out);
    }
  }

  rawString(b: Uint8Array): void {
    this.long(b.length);
    this.bytes(b);
  }

  symbol(name: string): void {
    const seen = this.symbols.get(name);
    if (seen !== undefined) {
      this.byte(0x3b); // ';' symlink
      this.long(seen);
      return;
    }
    this.symbols.set(name, this.symbols.size);
    this.byte(0x3a); // ':'
    this.rawString(Buffer.from(name, "utf8"));
  }

  value(v: RubyValue): void {
    if (v === null)
      this.byte(0x30); // '0'
    else if (v === true)
      this.byte(0x54); // 'T'
    else if (v === false)
      this.byte(0x46); // 'F'
    else if (typeof v === "number") {
      this.byte(0x69); // 'i'
      this.long(v);
    } else if (typeof v === "string") {
      // 'I' '"' bytes, one ivar: E => true (UTF-8), the way Ruby writes a UTF-8 String.
      this.byte(0x49, 0x22);
      this.rawString(Buffer.from(v, "utf8"));
      this.long(1);
      this.symbol("E");
      this.byte(0x54);
    } else if (Array.isArray(v)) {
      this.byte(0x5b); // '['
      this.long(v.length);
      for (const x of v) this.value(x);
    } else this.tagged(v);
  }

  private tagged(v: Exclude<RubyValue, null | boolean | number | string | RubyValue[]>): void {
    switch (v.kind) {
      case "symbol":
        this.symbol(v.name);
        break;
      case "binary":
        this.byte(0x22); // '"'
        this.rawString(v.bytes);
        break;
      case "hash":
        this.byte(0x7b); // '{'
        this.long(v.entries.length);
        for (const [k, x] of v.entries) {
          this.value(k);
          this.value(x);
        }
        break;
      case "object":
        this.byte(0x6f); // 'o'
        this.symbol(v.className);
        this.long(v.ivars.length);
        for (const [name, x] of v.ivars) {
          this.symbol(`@${name}`);
          this.value(x);
        }
        break;
      case "marshal_dump":
        this.byte(0x55); // 'U'
        this.symbol(v.className);
        this.value(v.data);
        break;
      case "_dump":
        this.byte(0x75); // 'u'
        this.symbol(v.className);
        this.rawString(v.bytes);
        break;
    }
  }

  done(): Buffer {
    return Buffer.from(this.chunks);
  }
}

/** `Marshal.dump(v)`: the 4.8 header, then the value. */
export function marshalDump(v: RubyValue): Buffer {
  const w = new Writer();
  w.bytes(Uint8Array.of(4, 8));
  w.value(v);
  return w.done();
}
