import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { blake2b } from "@noble/hashes/blake2.js";
import { registerUser } from "../accounts/index.js";
import { insertToken } from "../tokens/store.js";
import type { TestApp } from "./app.js";

/** A verified user and an API token for them (account-wide unless projectIds are given). */
export async function maintainer(
  t: TestApp,
  username: string,
  opts: { projectIds?: string[]; expiresAt?: number } = {},
) {
  const user = await registerUser(
    t.deps,
    { ip: "127.0.0.1" },
    { username, email: `${username}@example.com`, password: "correct horse battery", verified: true },
    { viaOperator: true },
  );
  const { token, id } = await insertToken(t.deps.db, t.clock.now(), {
    userId: user.id,
    name: `test ${Math.random()}`,
    projectIds: opts.projectIds ?? null,
    expiresAt: opts.expiresAt ?? null,
    issuedBy: "user",
  });
  return { user, token, tokenId: id };
}

export async function tokenFor(
  t: TestApp,
  userId: string,
  projectIds: string[] | null,
  expiresAt: number | null = null,
) {
  return (
    await insertToken(t.deps.db, t.clock.now(), {
      userId,
      name: `t ${Math.random()}`,
      projectIds,
      expiresAt,
      issuedBy: "user",
    })
  ).token;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** The multipart body twine sends for a file (fields first, then `content`). */
export async function twineForm(
  path: string,
  fields: Record<string, string | string[] | undefined>,
  opts: { filename?: string; omitDigests?: boolean } = {},
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const bytes = await readFile(path);
  const fd = new FormData();
  const filename = opts.filename ?? basename(path);
  const defaults: Record<string, string> = {
    ":action": "file_upload",
    protocol_version: "1",
    metadata_version: "2.1",
    filetype: filename.endsWith(".whl") ? "bdist_wheel" : "sdist",
    pyversion: filename.endsWith(".whl") ? "py3" : "source",
  };
  if (!opts.omitDigests) {
    defaults.sha256_digest = createHash("sha256").update(bytes).digest("hex");
    defaults.blake2_256_digest = Buffer.from(blake2b(bytes, { dkLen: 32 })).toString("hex");
  }
  for (const [k, v] of Object.entries({ ...defaults, ...fields })) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) fd.append(k, item);
  }
  fd.append("content", new Blob([bytes]), filename);
  const req = new Request("http://upload.invalid/", { method: "POST", body: fd });
  return {
    payload: Buffer.from(await req.arrayBuffer()),
    headers: { "content-type": req.headers.get("content-type")! },
  };
}
