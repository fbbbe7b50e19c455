import { gzipSync } from "node:zlib";
import {
  distName,
  metadataText,
  multipartBody,
  type Part,
  sdistEntries,
  type TarEntry,
  tarOf,
  tgzOf,
  twineFieldsFor,
  wheelEntries,
  type ZipEntry,
  zipOf,
} from "./fuzz-build.js";
import type { RawRequest } from "./raw-http.js";
import type { Rng } from "./seeded.js";

/** One generated request, and what it may legitimately create if the server accepts it. */
export interface FuzzCase {
  family: string;
  what: string;
  req: RawRequest;
  /** The client hung up before the body was complete: no answer is a fine outcome. */
  clientGaveUp?: boolean;
  /** Accepting it would create this (the campaign checks rows against accepted answers). */
  creates?: { project: string; filename: string };
}

export interface Ctx {
  rng: Rng;
  i: number;
  auth: string;
  /** A project the maintainer already owns (uploads to it skip the creation budget). */
  existing: string;
}

const CRLF = "\r\n";
const boundaryOf = (rng: Rng) => `----wharfFuzz${rng.int(1e9)}`;

function uploadTarget(c: Ctx, kind: "wheel" | "sdist") {
  const name = c.rng.chance(0.8) ? c.existing : `fz-new-${c.rng.seed}-${c.i}`;
  const version = `1.0.${c.i}`;
  const filename =
    kind === "wheel"
      ? `${distName(name)}-${version}-py3-none-any.whl`
      : `${distName(name)}-${version}.tar.gz`;
  return { name, version, filename };
}

function partsOf(f: Array<[string, string | Buffer]>, file: Buffer, filename: string | Buffer): Part[] {
  return [
    ...f.map(([name, data]) => ({ name, data })),
    { name: "content", filename, type: "application/octet-stream", data: file },
  ];
}

function post(
  c: Ctx,
  body: Buffer,
  contentType: string | undefined,
  extra: Array<[string, string | Buffer]> = [],
): RawRequest {
  const headers: Array<[string, string | Buffer]> = [["Authorization", c.auth]];
  if (contentType !== undefined) headers.push(["Content-Type", contentType]);
  headers.push(["Content-Length", String(body.length)], ...extra);
  return { method: "POST", path: "/legacy/", headers, body };
}

function validWheel(name: string, version: string): Buffer {
  return zipOf(wheelEntries(name, version));
}

/** A well-formed upload of a valid wheel, as parts (for the framing and field families to break). */
function validUpload(c: Ctx) {
  const t = uploadTarget(c, "wheel");
  const file = validWheel(t.name, t.version);
  return { ...t, file, f: twineFieldsFor(t.name, t.version, t.filename, file) };
}

// ---- framing ------------------------------------------------------------------------------------

const FRAMING: Array<[string, (c: Ctx, parts: Part[], b: string) => { body: Buffer; type?: string }]> = [
  ["no closing boundary", (_c, p, b) => ({ body: multipartBody(p, b, { close: false }) })],
  ["LF line endings", (_c, p, b) => ({ body: multipartBody(p, b, { eol: "\n" }) })],
  [
    "boundary in header differs",
    (_c, p, b) => ({ body: multipartBody(p, b), type: `multipart/form-data; boundary=${b}X` }),
  ],
  ["no boundary parameter", (_c, p, b) => ({ body: multipartBody(p, b), type: "multipart/form-data" })],
  ["empty boundary", (_c, p, b) => ({ body: multipartBody(p, b), type: 'multipart/form-data; boundary=""' })],
  [
    "boundary over 70 chars",
    (_c, p) => ({
      body: multipartBody(p, "b".repeat(200)),
      type: `multipart/form-data; boundary=${"b".repeat(200)}`,
    }),
  ],
  [
    "closing boundary twice",
    (_c, p, b) => ({ body: Buffer.concat([multipartBody(p, b), Buffer.from(`--${b}--${CRLF}`)]) }),
  ],
  [
    "boundary lines duplicated",
    (_c, p, b) => ({ body: Buffer.concat([Buffer.from(`--${b}${CRLF}--${b}${CRLF}`), multipartBody(p, b)]) }),
  ],
  ["no boundary at all", (_c, p) => ({ body: Buffer.concat(p.map((x) => Buffer.from(x.data))) })],
  [
    "part without Content-Disposition",
    (c, p, b) => {
      const k = c.rng.int(p.length);
      return {
        body: multipartBody(
          p.map((x, j) => (j === k ? { ...x, rawHeaders: Buffer.from(`X-Whatever: 1${CRLF}`) } : x)),
          b,
        ),
      };
    },
  ],
  [
    "part header without a blank line",
    (c, p, b) => {
      const k = c.rng.int(p.length);
      return {
        body: multipartBody(
          p.map((x, j) =>
            j === k
              ? { ...x, rawHeaders: Buffer.from(`Content-Disposition: form-data; name="${String(x.name)}"`) }
              : x,
          ),
          b,
        ),
      };
    },
  ],
  [
    "garbage header line",
    (c, p, b) => {
      const k = c.rng.int(p.length);
      const junk = c.rng.bytes(c.rng.between(1, 200));
      return {
        body: multipartBody(
          p.map((x, j) => (j === k ? { ...x, rawHeaders: Buffer.concat([junk, Buffer.from(CRLF)]) } : x)),
          b,
        ),
      };
    },
  ],
  [
    "huge header line",
    (c, p, b) => {
      const k = c.rng.int(p.length);
      const long = Buffer.from(
        `Content-Disposition: form-data; name="${"h".repeat(c.rng.between(9_000, 200_000))}"${CRLF}`,
      );
      return {
        body: multipartBody(
          p.map((x, j) => (j === k ? { ...x, rawHeaders: long } : x)),
          b,
        ),
      };
    },
  ],
  [
    "body cut at a random byte",
    (c, p, b) => {
      const all = multipartBody(p, b);
      return { body: all.subarray(0, c.rng.int(all.length)) };
    },
  ],
  [
    "random bytes flipped",
    (c, p, b) => {
      const all = Buffer.from(multipartBody(p, b));
      for (let n = c.rng.between(1, 20); n > 0; n--) all[c.rng.int(all.length)] = c.rng.int(256);
      return { body: all };
    },
  ],
  [
    "quoted boundary with spaces",
    (_c, p) => ({ body: multipartBody(p, "a b c"), type: 'multipart/form-data; boundary="a b c"' }),
  ],
  [
    "uppercase media type",
    (_c, p, b) => ({ body: multipartBody(p, b), type: `MULTIPART/FORM-DATA; BOUNDARY=${b}` }),
  ],
  ["multipart/mixed", (_c, p, b) => ({ body: multipartBody(p, b), type: `multipart/mixed; boundary=${b}` })],
  [
    "multipart/related",
    (_c, p, b) => ({ body: multipartBody(p, b), type: `multipart/related; boundary=${b}` }),
  ],
  [
    "charset parameter",
    (_c, p, b) => ({ body: multipartBody(p, b), type: `multipart/form-data; charset=utf-16; boundary=${b}` }),
  ],
  ["empty body", () => ({ body: Buffer.alloc(0) })],
  ["only the closing boundary", (_c, _p, b) => ({ body: Buffer.from(`--${b}--${CRLF}`) })],
  [
    "filename* parameter",
    (_c, p, b) => ({
      body: multipartBody(
        p.map((x) =>
          x.filename !== undefined
            ? {
                ...x,
                rawHeaders: Buffer.from(
                  `Content-Disposition: form-data; name="content"; filename*=UTF-8''%E2%82%AC.whl${CRLF}`,
                ),
              }
            : x,
        ),
        b,
      ),
    }),
  ],
];

export function framing(c: Ctx): FuzzCase {
  const u = validUpload(c);
  const [what, make] = c.rng.pick(FRAMING);
  const b = boundaryOf(c.rng);
  const { body, type } = make(c, partsOf(u.f, u.file, u.filename), b);
  return {
    family: "legacy: multipart framing",
    what,
    req: post(c, body, type ?? `multipart/form-data; boundary=${b}`),
    creates: { project: u.name, filename: u.filename },
  };
}

// ---- fields -------------------------------------------------------------------------------------

const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];
const REQUIRED = [":action", "name", "version", "filetype", "metadata_version", "sha256_digest", "content"];
const ACTIONS = [
  "submit",
  "doc_upload",
  "",
  "FILE_UPLOAD",
  "file_upload ",
  "file_upload\0",
  "remove_pkg",
  "file_upload".repeat(10),
  "verify",
];

const FIELDS: Array<
  [string, (c: Ctx, f: Array<[string, string | Buffer]>, u: ReturnType<typeof validUpload>) => Part[]]
> = [
  [
    "duplicated field",
    (c, f, u) => {
      const k = c.rng.int(f.length);
      return partsOf(
        [...f.slice(0, k + 1), [f[k]![0], c.rng.chance(0.5) ? f[k]![1] : "other"], ...f.slice(k + 1)],
        u.file,
        u.filename,
      );
    },
  ],
  [
    "missing required field",
    (c, f, u) => {
      const gone = c.rng.pick(REQUIRED);
      if (gone === "content") return f.map(([name, data]) => ({ name, data }));
      return partsOf(
        f.filter(([k]) => !(k === gone || (gone === "sha256_digest" && k.endsWith("_digest")))),
        u.file,
        u.filename,
      );
    },
  ],
  [
    "wrong :action",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [k, k === ":action" ? c.rng.pick(ACTIONS) : v]),
        u.file,
        u.filename,
      ),
  ],
  [
    "protocol_version other than 1",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [k, k === "protocol_version" ? c.rng.pick(["2", "0", "", "1.0", "x"]) : v]),
        u.file,
        u.filename,
      ),
  ],
  [
    "huge field name",
    (c, f, u) => partsOf([["n".repeat(c.rng.between(1_000, 300_000)), "v"], ...f], u.file, u.filename),
  ],
  [
    "huge field value",
    (c, f, u) =>
      partsOf(
        [
          ...f,
          [
            c.rng.pick(["summary", "description", "name", "version", "keywords"]),
            "v".repeat(c.rng.between(1_000, 2_200_000)),
          ],
        ],
        u.file,
        u.filename,
      ),
  ],
  [
    "NUL in a field",
    (c, f, u) => {
      const k = c.rng.int(f.length);
      return partsOf(
        f.map(([n, v], j) =>
          j === k ? (c.rng.chance(0.5) ? [`${n}\0`, v] : [n, `${String(v)}\0x`]) : [n, v],
        ),
        u.file,
        u.filename,
      );
    },
  ],
  [
    "invalid UTF-8 in a value",
    (c, f, u) => {
      const k = c.rng.int(f.length);
      return partsOf(
        f.map(([n, v], j) =>
          j === k ? [n, Buffer.concat([Buffer.from(String(v)), c.rng.pick(INVALID_UTF8)])] : [n, v],
        ),
        u.file,
        u.filename,
      );
    },
  ],
  [
    "invalid UTF-8 in a name",
    (c, f, u) =>
      partsOf(
        [[Buffer.concat([Buffer.from("x"), c.rng.pick(INVALID_UTF8)]) as unknown as string, "v"], ...f],
        u.file,
        u.filename,
      ),
  ],
  [
    "invalid UTF-8 in the filename",
    (c, f, u) =>
      partsOf(
        f,
        u.file,
        Buffer.concat([Buffer.from(u.filename.slice(0, 5)), c.rng.pick(INVALID_UTF8), Buffer.from(".whl")]),
      ),
  ],
  [
    "file before the fields",
    (_c, f, u) => partsOf([], u.file, u.filename).concat(f.map(([name, data]) => ({ name, data }))),
  ],
  [
    "two files",
    (_c, f, u) => [
      ...partsOf(f, u.file, u.filename),
      { name: "content", filename: u.filename, data: u.file },
    ],
  ],
  [
    "file in another field",
    (c, f, u) => [
      ...f.map(([name, data]) => ({ name, data })),
      { name: c.rng.pick(["gpg_signature", "file", "", "Content"]), filename: u.filename, data: u.file },
    ],
  ],
  [
    "content as a text field",
    (_c, f, u) => [...f.map(([name, data]) => ({ name, data })), { name: "content", data: u.file }],
  ],
  [
    "hostile filename",
    (c, f, u) =>
      partsOf(
        f,
        u.file,
        c.rng.pick([
          "../../etc/passwd.whl",
          "/abs.whl",
          "",
          ".whl",
          "a\\b.whl",
          `${u.filename}\0.tar.gz`,
          `${"x".repeat(5000)}.whl`,
          "fuzzpkg-1.0-py3-none-any.zip",
          "fuzzpkg-1.0.egg",
        ]),
      ),
  ],
  [
    "filetype does not match",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [
          k,
          k === "filetype" ? c.rng.pick(["sdist", "bdist_egg", "bdist_wininst", "", "wheel"]) : v,
        ]),
        u.file,
        u.filename,
      ),
  ],
  [
    "invalid version",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [
          k,
          k === "version"
            ? c.rng.pick([
                "",
                "1..0",
                "v",
                "latest",
                "1.0-",
                "9".repeat(200),
                `1.0.0+${"a".repeat(100)}`,
                "0x10",
              ])
            : v,
        ]),
        u.file,
        u.filename,
      ),
  ],
  [
    "invalid name",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [
          k,
          k === "name"
            ? c.rng.pick(["", "-a", "a-", "ünïcode", "a b", "..", "x".repeat(300), "a/b", "CON"])
            : v,
        ]),
        u.file,
        u.filename,
      ),
  ],
  [
    "name and file name differ",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [k, k === "name" ? `other-${c.i}` : v]),
        u.file,
        u.filename,
      ),
  ],
  [
    "wrong digest",
    (c, f, u) =>
      partsOf(
        f.map(([k, v]) => [
          k,
          k.endsWith("_digest") && c.rng.chance(0.6)
            ? c.rng.pick(["0".repeat(64), "zz", "", "A".repeat(128)])
            : v,
        ]),
        u.file,
        u.filename,
      ),
  ],
  [
    "too many fields",
    (c, f, u) =>
      partsOf(
        [
          ...f,
          ...Array.from({ length: c.rng.between(990, 1100) }, (_x, j): [string, string] => [
            `classifiers`,
            `C ${j}`,
          ]),
        ],
        u.file,
        u.filename,
      ),
  ],
  [
    "quotes and CR in a name",
    (c, f, u) =>
      partsOf([[c.rng.pick(['a"b', "a\rb", "a\nb", "a;b", "a=b"]), "v"], ...f], u.file, u.filename),
  ],
  [
    "odd requires_python",
    (c, f, u) =>
      partsOf(
        [
          ...f,
          [
            "requires_python",
            c.rng.pick([">=3.8,<", "~=", "=== ", `>=3${".0".repeat(200)}`, "python>=3", "\u00a0>=3.8"]),
          ],
        ],
        u.file,
        u.filename,
      ),
  ],
];

export function formFields(c: Ctx): FuzzCase {
  const u = validUpload(c);
  const [what, make] = c.rng.pick(FIELDS);
  const b = boundaryOf(c.rng);
  return {
    family: "legacy: fields",
    what,
    req: post(c, multipartBody(make(c, u.f, u), b), `multipart/form-data; boundary=${b}`),
    creates: { project: u.name, filename: u.filename },
  };
}

// ---- non-multipart bodies -----------------------------------------------------------------------

export const CONTENT_TYPES = [
  undefined,
  "",
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "text/plain",
  "text/plain; charset=latin1",
  "text/html",
  "text/xml",
  "application/xml",
  "application/octet-stream",
  "application/zip",
  "application/gzip",
  "application/x-tar",
  "application/vnd.pypi.simple.v1+json",
  "application/javascript",
  "application/problem+json",
  "application/csp-report",
  "image/png",
  "video/mp4",
  "multipart/form-data",
  "multipart/mixed",
  "multipart/byteranges; boundary=x",
  "message/http",
  "*/*",
  "application/*",
  "foo",
  "foo/bar/baz",
  ";;;",
  "application/json; charset=utf-16",
  "text/plain; charset=\u00ff",
  "application/x-ndjson",
];

function bodyKinds(c: Ctx, u: ReturnType<typeof validUpload>): Array<[string, Buffer]> {
  const b = boundaryOf(c.rng);
  return [
    ["empty", Buffer.alloc(0)],
    ["JSON object", Buffer.from(JSON.stringify(Object.fromEntries(u.f)))],
    ["invalid JSON", Buffer.from('{"name": "x",')],
    ["JSON with __proto__", Buffer.from('{"__proto__": {"isAdmin": true}, "name": "x"}')],
    ["urlencoded upload", Buffer.from(new URLSearchParams(u.f as Array<[string, string]>).toString())],
    ["random bytes", c.rng.bytes(c.rng.between(1, 4096))],
    ["the wheel itself", u.file],
    ["a valid multipart body", multipartBody(partsOf(u.f, u.file, u.filename), b)],
    ["large JSON", Buffer.from(JSON.stringify({ x: "y".repeat(c.rng.between(1_000_000, 3_000_000)) }))],
    ["text", Buffer.from("hello, registry\n")],
  ];
}

export function nonMultipart(c: Ctx): FuzzCase {
  const u = validUpload(c);
  const type = c.rng.pick(CONTENT_TYPES);
  const [kind, body] = c.rng.pick(bodyKinds(c, u));
  return {
    family: "legacy: non-multipart bodies",
    what: `${type ?? "(none)"} / ${kind}`,
    req: post(c, body, type),
  };
}

// ---- length lies and truncation -----------------------------------------------------------------

export function lengthLies(c: Ctx): FuzzCase {
  const u = validUpload(c);
  const b = boundaryOf(c.rng);
  const body = multipartBody(partsOf(u.f, u.file, u.filename), b);
  const type = `multipart/form-data; boundary=${b}`;
  const base: Array<[string, string]> = [
    ["Authorization", c.auth],
    ["Content-Type", type],
  ];
  const family = "legacy: length lies";
  const creates = { project: u.name, filename: u.filename };
  switch (c.rng.int(7)) {
    case 0: {
      const len = c.rng.int(body.length);
      return {
        family,
        what: "Content-Length shorter than the body",
        req: { method: "POST", path: "/legacy/", headers: [...base, ["Content-Length", String(len)]], body },
        creates,
      };
    }
    case 1: {
      const extra = c.rng.between(1, 1_000_000);
      return {
        family,
        what: "Content-Length longer than the body",
        clientGaveUp: true,
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Content-Length", String(body.length + extra)]],
          body,
          halfClose: true,
          timeoutMs: 10_000,
        },
        creates,
      };
    }
    case 2: {
      const cut = c.rng.int(body.length);
      return {
        family,
        what: "body cut short, client hangs up",
        clientGaveUp: true,
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Content-Length", String(body.length)]],
          body: body.subarray(0, cut),
          halfClose: true,
          timeoutMs: 10_000,
        },
        creates,
      };
    }
    case 3: {
      const v = c.rng.pick(["-1", "abc", "1e3", "99999999999999999999", " 10", "0x10", "1,2", ""]);
      return {
        family,
        what: `Content-Length '${v}'`,
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Content-Length", v]],
          body,
          timeoutMs: 10_000,
          halfClose: true,
        },
        clientGaveUp: true,
        creates,
      };
    }
    case 4: {
      const chunked = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);
      return {
        family,
        what: "chunked and Content-Length",
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Transfer-Encoding", "chunked"], ["Content-Length", String(chunked.length)]],
          body: chunked,
        },
        creates,
      };
    }
    case 5: {
      const bad = Buffer.concat([
        Buffer.from(`${c.rng.pick(["zz", "-5", (body.length + 10).toString(16), "ffffffffffffffffff"])}\r\n`),
        body,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);
      return {
        family,
        what: "chunk size that lies",
        clientGaveUp: true,
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Transfer-Encoding", "chunked"]],
          body: bad,
          halfClose: true,
          timeoutMs: 10_000,
        },
        creates,
      };
    }
    default: {
      const chunked = Buffer.concat([
        Buffer.from(`${body.length.toString(16)}\r\n`),
        body,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);
      return {
        family,
        what: "chunked (no length)",
        req: {
          method: "POST",
          path: "/legacy/",
          headers: [...base, ["Transfer-Encoding", "chunked"]],
          body: chunked,
        },
        creates,
      };
    }
  }
}

// ---- archive attacks ----------------------------------------------------------------------------

function wheelAttack(c: Ctx, name: string, version: string): [string, Buffer] {
  const entries = wheelEntries(name, version);
  const info = `${distName(name)}-${version}.dist-info`;
  const zip64 = Buffer.alloc(20);
  zip64.writeUInt16LE(0x0001, 0);
  zip64.writeUInt16LE(16, 2);
  zip64.writeBigUInt64LE(2n ** 62n, 4);
  zip64.writeBigUInt64LE(2n ** 62n, 12);
  const attacks: Array<[string, () => Buffer]> = [
    [
      "zip: path traversal",
      () =>
        zipOf([
          ...entries,
          {
            name: c.rng.pick(["../../evil.py", "/etc/evil", "a/../../b", "C:\\evil", "..\\evil", "a/\0b"]),
            data: "x",
          },
        ]),
    ],
    [
      "zip: symlink",
      () =>
        zipOf([
          ...entries,
          {
            name: `${distName(name)}/link`,
            data: c.rng.pick(["/etc/passwd", "../../..", "x"]),
            mode: 0o120777,
          },
        ]),
    ],
    [
      "zip: METADATA is a symlink",
      () =>
        zipOf(
          entries.map((e) =>
            String(e.name).endsWith("/METADATA")
              ? { ...e, data: "/etc/passwd", mode: 0o120777, deflate: false }
              : e,
          ),
        ),
    ],
    ["zip: duplicate entries", () => zipOf([...entries, { ...c.rng.pick(entries), data: "other" }])],
    [
      "zip: duplicate after normalization",
      () => zipOf([...entries, { name: `./${info}/METADATA`, data: metadataText("evil", version) }]),
    ],
    [
      "zip: bad CRC",
      () => zipOf(entries.map((e) => (c.rng.chance(0.5) ? { ...e, crc: c.rng.int(2 ** 32) } : e))),
    ],
    [
      "zip: size lies",
      () =>
        zipOf(
          entries.map((e) =>
            c.rng.chance(0.5) ? { ...e, usize: c.rng.pick([0, 1, 0xffffffff, 2 ** 31]) } : e,
          ),
        ),
    ],
    [
      "zip: compressed size lies",
      () =>
        zipOf(
          entries.map((e) =>
            c.rng.chance(0.5) ? { ...e, csize: c.rng.pick([0, 1, 0xffffffff, 100_000]) } : e,
          ),
        ),
    ],
    [
      "zip: zip64 extra with huge sizes",
      () => zipOf(entries.map((e) => ({ ...e, usize: 0xffffffff, csize: 0xffffffff, extra: zip64 }))),
    ],
    ["zip: entry count lies", () => zipOf(entries, { count: c.rng.pick([0, 1, 65535, 100]) })],
    [
      "zip: central directory offset lies",
      () => zipOf(entries, { cdOffset: c.rng.pick([0, 1, 0xffffffff, 12345]) }),
    ],
    ["zip: comment length lies", () => zipOf(entries, { commentLength: c.rng.pick([1, 65535]) })],
    [
      "zip: truncated",
      () => {
        const z = zipOf(entries);
        return z.subarray(0, c.rng.int(z.length));
      },
    ],
    ["zip: random bytes", () => c.rng.bytes(c.rng.between(0, 8192))],
    ["zip: empty archive", () => zipOf([])],
    ["zip: no METADATA", () => zipOf(entries.filter((e) => !String(e.name).endsWith("METADATA")))],
    [
      "zip: deflate stream garbage",
      () =>
        zipOf(
          entries
            .map((e) => (c.rng.chance(0.5) ? { ...e, deflate: false, data: c.rng.bytes(64) } : e))
            .map((e) => ({ ...e })),
        ),
    ],
    ["zip: gzip instead of zip", () => gzipSync(zipOf(entries))],
    [
      "zip: zip bomb member",
      () =>
        zipOf([
          ...entries,
          {
            name: `${distName(name)}/bomb.bin`,
            data: Buffer.alloc(c.rng.between(1, 20) * 1024 * 1024),
            deflate: true,
          },
        ]),
    ],
    [
      "zip: many members",
      () =>
        zipOf([
          ...entries,
          ...Array.from(
            { length: c.rng.between(5_000, 12_000) },
            (_x, j): ZipEntry => ({ name: `${distName(name)}/m${j}.py`, data: "" }),
          ),
        ]),
    ],
    [
      "zip: directory entry with data",
      () => zipOf([...entries, { name: `${distName(name)}/dir/`, data: "data", mode: 0o040755 }]),
    ],
    [
      "zip: device file",
      () =>
        zipOf([
          ...entries,
          {
            name: `${distName(name)}/dev`,
            data: "",
            mode: c.rng.pick([0o020644, 0o060644, 0o010644, 0o140644]),
          },
        ]),
    ],
    [
      "zip: name with invalid UTF-8",
      () => zipOf([...entries, { name: Buffer.from([0x61, 0xff, 0xfe, 0x2e, 0x70, 0x79]), data: "x" }]),
    ],
  ];
  const [what, make] = c.rng.pick(attacks);
  return [what, make()];
}

function sdistAttack(c: Ctx, name: string, version: string): [string, Buffer] {
  const entries = sdistEntries(name, version);
  const top = `${distName(name)}-${version}`;
  const attacks: Array<[string, () => Buffer]> = [
    [
      "tar: path traversal",
      () =>
        tgzOf([
          ...entries,
          {
            name: c.rng.pick(["../evil", `${top}/../../evil`, "/etc/evil", `${top}/a\\..\\..\\b`]),
            data: "x",
          },
        ]),
    ],
    [
      "tar: symlink out",
      () =>
        tgzOf([
          ...entries,
          { name: `${top}/link`, type: "2", linkname: c.rng.pick(["/etc/passwd", "../../..", "../x"]) },
        ]),
    ],
    [
      "tar: hard link",
      () =>
        tgzOf([
          ...entries,
          {
            name: `${top}/hl`,
            type: "1",
            linkname: c.rng.pick(["/etc/passwd", `${top}/PKG-INFO`, "nothing"]),
          },
        ]),
    ],
    [
      "tar: PKG-INFO is a symlink",
      () =>
        tgzOf(
          entries.map((e) =>
            String(e.name).endsWith("PKG-INFO") ? { name: e.name, type: "2", linkname: "/etc/passwd" } : e,
          ),
        ),
    ],
    [
      "tar: device or fifo",
      () => tgzOf([...entries, { name: `${top}/dev`, type: c.rng.pick(["3", "4", "6", "7", "Z"]) }]),
    ],
    [
      "tar: bad header checksum",
      () => tgzOf(entries.map((e) => (c.rng.chance(0.5) ? { ...e, badChecksum: true } : e))),
    ],
    [
      "tar: size field garbage",
      () =>
        tgzOf(
          entries.map((e) =>
            c.rng.chance(0.4)
              ? {
                  ...e,
                  sizeField: c.rng.pick([
                    "-1",
                    "zzzzzzzzzzz",
                    "77777777777",
                    "\0\0\0",
                    "1e9",
                    "\u0080\u0000\u0000\u0000\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff",
                  ]),
                }
              : e,
          ),
        ),
    ],
    [
      "tar: truncated",
      () => {
        const t = tarOf(entries);
        return gzipSync(t.subarray(0, c.rng.int(t.length)));
      },
    ],
    ["tar: no end blocks", () => tgzOf(entries, { end: false })],
    [
      "tar: duplicate PKG-INFO",
      () => tgzOf([...entries, { name: `${top}/PKG-INFO`, data: metadataText("evil", "6.6.6") }]),
    ],
    ["tar: random header block", () => gzipSync(Buffer.concat([c.rng.bytes(512), tarOf(entries)]))],
    [
      "tar: pax header garbage",
      () =>
        tgzOf([
          {
            name: "pax",
            type: "x",
            data: c.rng.pick(["99999999 path=x\n", "garbage", "20 path=../../evil\n", "5 x\n"]),
          },
          ...entries,
        ]),
    ],
    [
      "tar: GNU long name garbage",
      () =>
        tgzOf([
          { name: "././@LongLink", type: "L", data: c.rng.pick(["../../evil\0", "x".repeat(5000), ""]) },
          ...entries,
        ]),
    ],
    [
      "gzip: garbage",
      () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), c.rng.bytes(c.rng.between(0, 4096))]),
    ],
    [
      "gzip: truncated",
      () => {
        const g = tgzOf(entries);
        return g.subarray(0, c.rng.int(g.length));
      },
    ],
    ["gzip: not compressed at all", () => tarOf(entries)],
    ["gzip: two members", () => Buffer.concat([tgzOf(entries), gzipSync(c.rng.bytes(100))])],
    ["gzip: trailing garbage", () => Buffer.concat([tgzOf(entries), c.rng.bytes(c.rng.between(1, 100))])],
    [
      "gzip: bomb",
      () =>
        gzipSync(
          Buffer.concat([
            tarOf([
              ...entries,
              { name: `${top}/bomb`, data: Buffer.alloc(c.rng.between(1, 20) * 1024 * 1024) },
            ]),
          ]),
        ),
    ],
    ["tar: entry outside the top directory", () => tgzOf([...entries, { name: "other/x", data: "x" }])],
    ["tar: zip instead of tar.gz", () => zipOf(wheelEntries(name, version))],
  ];
  const [what, make] = c.rng.pick(attacks);
  return [what, make()];
}

function uploadOf(
  c: Ctx,
  family: string,
  what: string,
  kind: "wheel" | "sdist",
  make: (name: string, version: string) => Buffer,
): FuzzCase {
  const t = uploadTarget(c, kind);
  const file = make(t.name, t.version);
  const b = boundaryOf(c.rng);
  const body = multipartBody(
    partsOf(twineFieldsFor(t.name, t.version, t.filename, file), file, t.filename),
    b,
  );
  return {
    family,
    what,
    req: post(c, body, `multipart/form-data; boundary=${b}`),
    creates: { project: t.name, filename: t.filename },
  };
}

export function archives(c: Ctx): FuzzCase {
  const kind = c.rng.chance(0.5) ? "wheel" : "sdist";
  let what = "";
  const made = uploadOf(c, "legacy: archive attacks", "", kind, (name, version) => {
    const [w, bytes] = kind === "wheel" ? wheelAttack(c, name, version) : sdistAttack(c, name, version);
    what = w;
    return bytes;
  });
  return { ...made, what };
}

// ---- METADATA oddities --------------------------------------------------------------------------

function metadataOddity(c: Ctx, name: string, version: string): [string, string | Buffer] {
  const good = metadataText(name, version);
  const odd: Array<[string, () => string | Buffer]> = [
    ["missing Name", () => good.replace(/^Name: .*\n/m, "")],
    ["missing Version", () => good.replace(/^Version: .*\n/m, "")],
    ["other Name", () => good.replace(/^Name: .*$/m, `Name: other-${c.i}`)],
    ["other Version", () => good.replace(/^Version: .*$/m, "Version: 9.9.9")],
    ["Name twice", () => `Name: ${name}\n${good}`],
    [
      "Metadata-Version unknown",
      () => good.replace("2.1", c.rng.pick(["99.0", "", "x", "1.0.0.0.0", "3.0"])),
    ],
    ["no blank line before the body", () => good.replace("\n\n", "\n")],
    ["CRLF line endings", () => good.replace(/\n/g, "\r\n")],
    ["byte-order mark", () => `\ufeff${good}`],
    ["NUL byte", () => good.replace("Summary: fuzz", "Summary: fu\0zz")],
    [
      "invalid UTF-8",
      () =>
        Buffer.concat([
          Buffer.from(good.slice(0, 40)),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(good.slice(40)),
        ]),
    ],
    [
      "huge header line",
      () => good.replace("Summary: fuzz", `Summary: ${"s".repeat(c.rng.between(1_000, 2_000_000))}`),
    ],
    [
      "many headers",
      () => good.replace("Summary: fuzz\n", "Classifier: X :: Y\n".repeat(c.rng.between(1_000, 60_000))),
    ],
    ["continuation lines", () => good.replace("Summary: fuzz\n", "Summary: fuzz\n        more\n\tmore\n \n")],
    ["header without colon", () => good.replace("Summary: fuzz\n", "Summary fuzz\nJust text\n")],
    ["empty file", () => ""],
    ["binary garbage", () => c.rng.bytes(c.rng.between(1, 2000))],
    [
      "bad Requires-Python",
      () =>
        good.replace(
          ">=3.8",
          c.rng.pick([">=", "~=3", "=== ", ">=3.8,,", "python", `>=3${".0".repeat(500)}`]),
        ),
    ],
    [
      "bad Requires-Dist",
      () =>
        good.replace(
          "Summary: fuzz\n",
          `Summary: fuzz\nRequires-Dist: ${c.rng.pick(["", "x[", "x (>=", "x; python_version >", "-", "x @ "])}\n`,
        ),
    ],
    [
      "bad Project-URL",
      () =>
        good.replace(
          "Summary: fuzz\n",
          `Summary: fuzz\nProject-URL: ${c.rng.pick(["", "x", "Home,", ",javascript:alert(1)", "a, b, c"])}\n`,
        ),
    ],
    ["Dynamic: Name", () => good.replace("Summary: fuzz\n", "Summary: fuzz\nDynamic: Name\n")],
    [
      "Description-Content-Type garbage",
      () =>
        good.replace(
          "Summary: fuzz\n",
          `Summary: fuzz\nDescription-Content-Type: ${c.rng.pick(["text/x-unknown", ";;", "text/markdown; variant=Evil", "\u00ff"])}\n`,
        ),
    ],
    ["huge description", () => `${good}${"d".repeat(c.rng.between(500_000, 3_000_000))}`],
    ["name with unicode", () => good.replace(/^Name: .*$/m, `Name: ${name}\u0301`)],
  ];
  const [what, make] = c.rng.pick(odd);
  return [what, make()];
}

export function metadata(c: Ctx): FuzzCase {
  const kind = c.rng.chance(0.6) ? "wheel" : "sdist";
  let what = "";
  const made = uploadOf(c, "legacy: METADATA oddities", "", kind, (name, version) => {
    const [w, text] = metadataOddity(c, name, version);
    what = `${kind}: ${w}`;
    if (kind === "wheel") {
      const entries = wheelEntries(name, version).map((e) =>
        String(e.name).endsWith("/METADATA") ? { ...e, data: Buffer.from(text) } : e,
      );
      return zipOf(entries);
    }
    return tgzOf(
      sdistEntries(name, version).map(
        (e): TarEntry => (String(e.name).endsWith("PKG-INFO") ? { ...e, data: Buffer.from(text) } : e),
      ),
    );
  });
  return { ...made, what };
}

/** A valid wheel upload (the campaign's first request: it creates the project the others target). */
export function validFirstUpload(c: Ctx): FuzzCase {
  const version = "0.1.0";
  const filename = `${distName(c.existing)}-${version}-py3-none-any.whl`;
  const file = validWheel(c.existing, version);
  const b = boundaryOf(c.rng);
  const body = multipartBody(partsOf(twineFieldsFor(c.existing, version, filename, file), file, filename), b);
  return {
    family: "setup",
    what: "valid wheel",
    req: post(c, body, `multipart/form-data; boundary=${b}`),
    creates: { project: c.existing, filename },
  };
}
