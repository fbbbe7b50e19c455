import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgSchema } from "../../src/test-support/databases.js";
import { missing } from "../../src/test-support/requirements.js";
import {
  downloadWithRanges,
  installWithPip,
  type Journey,
  publishWithTwine,
  startJourney,
} from "./support/journey.js";
import { filesUnder, type SimpleFile, withDatabase } from "./support/pypi.js";

const SUITE = "PyPI publishing and installing on PostgreSQL";

describe.skipIf(missing(SUITE, "postgres", "twine", "pip", "venv", "wheel-build"))(SUITE, () => {
  let schema: Awaited<ReturnType<typeof createPgSchema>> | undefined;
  let journey: Journey | undefined;
  let files: SimpleFile[] = [];
  const j = () => journey!;

  beforeAll(async () => {
    schema = await createPgSchema();
    journey = await startJourney("wharf-pg-demo", { WHARF_DATABASE_URL: schema.url });
  }, 120_000);

  afterAll(async () => {
    try {
      await journey?.close();
    } finally {
      await schema?.drop();
    }
  });

  it("records what twine uploads in PostgreSQL, not in a SQLite file", async () => {
    files = await publishWithTwine(j());
    const rows = await withDatabase(j().server, (db) =>
      db.selectFrom("files").select(["filename", "sha256", "size"]).execute(),
    );
    const byName = (a: { filename: string }, b: { filename: string }) => (a.filename < b.filename ? -1 : 1);
    expect(rows.sort(byName)).toEqual(
      files.map((f) => ({ filename: f.filename, sha256: f.hashes.sha256, size: f.size })).sort(byName),
    );
    expect(filesUnder(j().server.dataDir).filter((f) => f.endsWith(".db"))).toEqual([]);
    expect(filesUnder(join(j().server.dataDir, "blobs")).filter((f) => !f.startsWith(".tmp/"))).toHaveLength(
      3,
    );
  });

  it("serves files and .metadata, whole and by byte ranges", async () => {
    await downloadWithRanges(j(), files);
  });

  it("lets pip install from it", async () => {
    await installWithPip(j());
  });
});
