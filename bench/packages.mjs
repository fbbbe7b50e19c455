// Packages the benchmarks publish, built in memory: an npm tarball and its publish body, and a PEP 427
// wheel with a correct RECORD. One place, so every bench sends what the real clients send.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import yazl from "yazl";
import { fail } from "./lib.mjs";

/** `package/package.json`, `package/index.js` and, when given, a `package/payload.bin` of those bytes. */
export async function npmTarball(manifest, payload) {
  const pack = tar.pack();
  pack.entry({ name: "package/package.json" }, JSON.stringify(manifest));
  pack.entry({ name: "package/index.js" }, `module.exports = ${JSON.stringify(manifest.version)};\n`);
  if (payload) pack.entry({ name: "package/payload.bin" }, payload);
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

/** `npm publish`'s PUT body for one version (dist digests as npm computes them, the tarball in base64). */
export function npmPublishBody(manifest, bytes, readme) {
  const { name, version } = manifest;
  return {
    _id: name,
    name,
    description: manifest.description,
    "dist-tags": { latest: version },
    versions: {
      [version]: {
        ...manifest,
        ...(readme === undefined ? {} : { readme }),
        _id: `${name}@${version}`,
        dist: {
          integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
          shasum: createHash("sha1").update(bytes).digest("hex"),
        },
      },
    },
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: "application/octet-stream",
        data: bytes.toString("base64"),
        length: bytes.length,
      },
    },
  };
}

/** Publishes one version with an API token; anything but 201 ends the bench with the server's answer. */
export async function npmPublish(base, token, manifest, { payload, readme } = {}) {
  const bytes = await npmTarball(manifest, payload);
  const res = await fetch(`${base}/npm/${manifest.name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(npmPublishBody(manifest, bytes, readme)),
  });
  if (res.status !== 201)
    fail(`npm publish ${manifest.name}@${manifest.version}: ${res.status} ${await res.text()}`);
}

/**
 * A py3-none-any wheel with METADATA (`metadata`, or the three required fields), WHEEL and a correct
 * RECORD, plus a `payload.bin` when given (stored uncompressed, so its size is the file's).
 */
export function pyWheel(project, version, { metadata, payload } = {}) {
  const dist = project.replace(/-/g, "_");
  const info = `${dist}-${version}.dist-info`;
  const members = [
    [`${dist}/__init__.py`, Buffer.from(`__version__ = "${version}"\n`)],
    ...(payload ? [[`${dist}/payload.bin`, payload]] : []),
    [
      `${info}/METADATA`,
      Buffer.from(metadata ?? `Metadata-Version: 2.1\nName: ${project}\nVersion: ${version}\n`),
    ],
    [
      `${info}/WHEEL`,
      Buffer.from("Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ],
  ];
  const digest = (b) => `sha256=${createHash("sha256").update(b).digest("base64url")}`;
  const record = `${members.map(([p, b]) => `${p},${digest(b)},${b.length}`).join("\n")}\n${info}/RECORD,,\n`;
  members.push([`${info}/RECORD`, Buffer.from(record)]);
  const zip = new yazl.ZipFile();
  for (const [name, data] of members) zip.addBuffer(data, name, { compress: !payload });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks = [];
    zip.outputStream.on("data", (c) => chunks.push(c));
    zip.outputStream.on("end", () =>
      resolve({ filename: `${dist}-${version}-py3-none-any.whl`, bytes: Buffer.concat(chunks) }),
    );
    zip.outputStream.on("error", reject);
  });
}
