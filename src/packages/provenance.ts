import type { DbExecutor } from "../db/index.js";
import { newId } from "../lib/ids.js";

/** Where a version or file was built, as the trusted publisher's OIDC token said. */
export interface Provenance {
  releaseId: string;
  /** PyPI: the file; npm: null (the version). */
  fileId: string | null;
  publisherId: string;
  /** "github:acme/widget release.yml" */
  publisher: string;
  provider: string;
  issuer: string;
  repository: string | null;
  workflow: string | null;
  ref: string | null;
  sha: string | null;
  runId: string | null;
  runAttempt: string | null;
  environment: string | null;
  /** Link to the CI run. */
  runUrl: string | null;
  publishedAt: number;
}

/**
 * What a trusted publisher's minted token carries from its exchange to the upload
 * (trusted-publishing/exchange.ts writes it, api_tokens.publisher_claims keeps it, publishFile copies it
 * here in the publishing transaction).
 */
export interface ProvenanceClaims {
  publisherId: string;
  publisher: string;
  provider: string;
  issuer: string;
  repository: string | null;
  workflow: string | null;
  ref: string | null;
  sha: string | null;
  runId: string | null;
  runAttempt: string | null;
  environment: string | null;
  runUrl: string | null;
}

/** Stores the claims with a version (npm) or file (PyPI) in the publishing transaction. */
export async function recordProvenance(
  db: DbExecutor,
  now: number,
  at: { projectId: string; releaseId: string; fileId: string | null },
  c: ProvenanceClaims,
): Promise<void> {
  const { publisherId, provider, issuer, ...rest } = c;
  await db
    .insertInto("publish_provenance")
    .values({
      id: newId(now),
      project_id: at.projectId,
      release_id: at.releaseId,
      file_id: at.fileId,
      publisher_id: publisherId,
      provider,
      issuer,
      claims: JSON.stringify(rest),
      created_at: now,
    })
    .execute();
}

/**
 * The provenance of a project's versions/files, oldest first; `releaseId` narrows to one release.
 * Pages, the PyPI JSON API and the packument show it.
 */
export async function provenanceFor(
  db: DbExecutor,
  where: { projectId: string; releaseId?: string },
): Promise<Provenance[]> {
  let q = db.selectFrom("publish_provenance").selectAll().where("project_id", "=", where.projectId);
  if (where.releaseId) q = q.where("release_id", "=", where.releaseId);
  const rows = await q.orderBy("id").execute();
  return rows.map((r) => {
    const c = JSON.parse(r.claims) as Omit<ProvenanceClaims, "publisherId" | "provider" | "issuer">;
    return {
      releaseId: r.release_id,
      fileId: r.file_id,
      publisherId: r.publisher_id,
      provider: r.provider,
      issuer: r.issuer,
      publisher: c.publisher,
      repository: c.repository ?? null,
      workflow: c.workflow ?? null,
      ref: c.ref ?? null,
      sha: c.sha ?? null,
      runId: c.runId ?? null,
      runAttempt: c.runAttempt ?? null,
      environment: c.environment ?? null,
      runUrl: c.runUrl ?? null,
      publishedAt: r.created_at,
    };
  });
}
