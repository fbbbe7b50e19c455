import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { registerUser } from "../../accounts/index.js";
import type { TestApp } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";

/** A real npm-style tarball: `package/package.json` plus an index.js, gzip-compressed. */
export async function makeTarball(
  manifest: Record<string, unknown>,
  extra: Record<string, string> = {},
): Promise<Buffer> {
  const pack = tar.pack();
  const files = {
    "package/package.json": JSON.stringify(manifest),
    "package/index.js": "module.exports = 42;\n",
    ...extra,
  };
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

export interface PublishOptions {
  tag?: string;
  tarball?: Buffer;
  integrity?: string;
  shasum?: string;
  bodyName?: string;
  readme?: string;
  extraManifest?: Record<string, unknown>;
}

/** The body `npm publish` sends (libnpmpublish buildMetadata), built from real bytes. */
export async function publishBody(name: string, version: string, o: PublishOptions = {}) {
  const manifest = { name, version, description: `the ${name} package`, ...o.extraManifest };
  const bytes = o.tarball ?? (await makeTarball(manifest));
  const integrity = o.integrity ?? `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  const shasum = o.shasum ?? createHash("sha1").update(bytes).digest("hex");
  const bare = name.includes("/") ? name.split("/")[1] : name;
  return {
    _id: o.bodyName ?? name,
    name: o.bodyName ?? name,
    description: manifest.description,
    "dist-tags": { [o.tag ?? "latest"]: version },
    versions: {
      [version]: {
        ...manifest,
        readme: o.readme ?? `# ${name}\n`,
        _id: `${name}@${version}`,
        _nodeVersion: "20.0.0",
        _npmVersion: "11.0.0",
        dist: { integrity, shasum, tarball: `http://localhost/npm/${name}/-/${bare}-${version}.tgz` },
      },
    },
    access: null,
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: "application/octet-stream",
        data: bytes.toString("base64"),
        length: bytes.length,
      },
    },
  };
}

/** The escaped name npm puts in URLs. */
export const escaped = (name: string) => name.replace("/", "%2f");

/** A verified user with an account-wide token, as `npm login` would leave them. */
export async function npmUser(t: TestApp, username: string, opts: { verified?: boolean } = {}) {
  const user = await registerUser(
    t.deps,
    { ip: "127.0.0.1" },
    {
      username,
      email: `${username}@example.com`,
      password: "correct horse battery",
      verified: opts.verified ?? true,
    },
    { viaOperator: true },
  );
  const { token, id } = await insertToken(t.deps.db, t.clock.now(), {
    userId: user.id,
    name: `npm ${Math.random()}`,
    projectIds: null,
    expiresAt: null,
    issuedBy: "user",
  });
  return { user, token, tokenId: id, auth: { authorization: `Bearer ${token}` } };
}

/** What is stored, to assert that a refused request left nothing behind. */
export async function stored(t: TestApp) {
  const count = async (table: "projects" | "releases" | "files" | "filename_journal" | "dist_tags") =>
    (await t.deps.db.selectFrom(table).selectAll().execute()).length;
  return {
    projects: await count("projects"),
    releases: await count("releases"),
    files: await count("files"),
    journal: await count("filename_journal"),
    tags: await count("dist_tags"),
  };
}
