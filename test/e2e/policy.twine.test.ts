import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../src/test-support/requirements.js";
import { ensureBuilt, startWharf, type WharfServer } from "./support/index.js";
import { createMaintainer, createToken, wharfCli, withDatabase } from "./support/pypi.js";
import { buildDists, oneLine, shown, twineUpload } from "./support/python.js";

const SUITE = "an MFA mandate seen through the real twine";
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

// The server runs on the real clock, so the mandate's dates are set around "now" and moved with the CLI
// (`wharf policy mandate update`) — what an operator does to change a rollout's phase.
describe.skipIf(missing(SUITE, "twine", "wheel-build"))(SUITE, () => {
  let server: WharfServer;
  let work = "";
  let token = "";
  let mandateId = "";
  const dists: Array<{ wheel: string; sdist: string }> = [];

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), "wharf-e2e-policy-"));
    server = await startWharf({});
    await createMaintainer(server, "crit-owner", "harbour lights at dusk 42");
    token = await createToken(server, "crit-owner");
    for (const v of ["1.0.0", "1.1.0", "1.2.0"])
      dists.push(await buildDists(join(work, v), join(work, "home"), { name: "crit-demo", version: v }));
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const upload = (i: number) =>
    twineUpload(server.url, join(work, "home"), [dists[i]!.wheel], {
      username: "__token__",
      password: token,
    });
  const phases = (notice: number, warn: number, enforce: number) => [
    "--name",
    "Critical projects need 2FA",
    "--cohort",
    "projects",
    "--project",
    "crit-demo",
    "--ecosystem",
    "pypi",
    "--notice",
    iso(notice),
    "--warn",
    iso(warn),
    "--enforce",
    iso(enforce),
    "--reason",
    "e2e rollout",
  ];

  it("uploads during the warn phase (twine shows nothing; the maintainer is emailed)", async () => {
    const r0 = await upload(0);
    expect(r0.code, shown(r0, "twine")).toBe(0);
    const now = Date.now();
    const created = await wharfCli(server, [
      "policy",
      "mandate",
      "create",
      ...phases(now - 2 * DAY, now - DAY, now + 30 * DAY),
    ]);
    mandateId = created.split(/\s+/)[0]!;
    expect(created).toContain("[warn]");
    const r1 = await upload(1);
    expect(r1.code, shown(r1, "twine")).toBe(0);
    const { readOutbox } = await import("../../src/test-support/outbox.js");
    const mails = await readOutbox(server.outboxDir);
    expect(
      mails.some((m) =>
        m.subject.includes("Your upload to crit-demo worked, but two-factor authentication will be required"),
      ),
    ).toBe(true);
  }, 120_000);

  it("is refused at enforcement with a reason naming the fix, and passes once the maintainer has a factor", async () => {
    const now = Date.now();
    await wharfCli(server, [
      "policy",
      "mandate",
      "update",
      mandateId,
      ...phases(now - 3 * DAY, now - 2 * DAY, now - DAY),
    ]);
    const refused = await upload(2);
    expect(refused.code).not.toBe(0);
    expect(oneLine(refused.output)).toContain(
      "Two-factor authentication is required to publish to 'crit-demo'",
    );
    expect(oneLine(refused.output)).toContain(`${server.origin}/account/two-factor`);
    // Compliance: give the maintainer an authenticator app (as enrolling in the browser would).
    await withDatabase(server, async (db) => {
      const u = await db
        .selectFrom("users")
        .select("id")
        .where("username", "=", "crit-owner")
        .executeTakeFirstOrThrow();
      const { Keyring } = await import("../../src/lib/crypto.js");
      const keys = new Keyring(server.env.WHARF_SECRET_KEY!);
      await db
        .insertInto("totp_credentials")
        .values({
          user_id: u.id,
          secret_enc: keys.encrypt("JBSWY3DPEHPK3PXP", `totp:${u.id}`),
          last_step: 0,
          created_at: now,
          last_used_at: null,
        })
        .execute();
    });
    const ok = await upload(2);
    expect(ok.code, shown(ok, "twine")).toBe(0);
  }, 120_000);
});
