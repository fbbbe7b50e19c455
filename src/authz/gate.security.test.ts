import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOTP, Secret } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMandate } from "../mandates/index.js";
import { findProject } from "../packages/index.js";
import { escaped, npmUser, publishBody } from "../protocols/npm/test-fixtures.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { accountToken, PASSWORD, publish, signedInUser } from "../web/test-fixtures.js";
import { GATED_ACTIONS } from "./index.js";

/**
 * Issue 13, item 1: every write that changes what users install passes the same MFA gate, on every
 * surface. One table, write x surface: under an enforced mandate a maintainer without the factor is
 * refused with the mandate's message, and the same maintainer with it is let through.
 */
const SECRET = "JBSWY3DPEHPK3PXP";
const MESSAGE = "Two-factor authentication is required to publish";

type Who = "refused" | "allowed";
interface Row {
  action: (typeof GATED_ACTIONS)[number];
  surface: "web" | "twine" | "npm";
  run: (who: Who) => Promise<{ status: number; text: string }>;
}

describe.each(testDatabases())("the MFA gate on every write and surface (%s)", (kind) => {
  let t: TestApp;
  let dir: string;
  const rows: Row[] = [];
  let enroll: (on: boolean) => Promise<void>;

  beforeAll(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-gate-"));
    const alice = await signedInUser(t, "alice");
    const npm = await npmUser(t, "alice-npm");
    await npmUser(t, "bob");
    // alice (web session, twine token) owns gated-py; alice-npm (npm login token) owns gated-js.
    const pyToken = await accountToken(t, alice.user.id);
    for (const v of ["1.0", "1.1", "1.2"])
      expect((await publish(t, dir, pyToken, "gated-py", v)).statusCode).toBe(200);
    const put = (url: string, body: unknown, extra: Record<string, string> = {}) =>
      t.app.inject({
        method: "PUT",
        url,
        payload: JSON.stringify(body),
        headers: { ...npm.auth, "content-type": "application/json", ...extra },
      });
    for (const v of ["1.0.0", "1.1.0", "1.2.0"])
      expect((await put("/npm/gated-js", await publishBody("gated-js", v))).statusCode).toBe(201);
    const py = (await findProject(t.deps.db, "pypi", "gated-py"))!;
    const now = t.clock.now();
    await createMandate(t.deps.db, now, "ops", {
      name: "Everyone",
      cohort: "all-projects",
      noticeAt: now,
      warnAt: now + 1000,
      enforceAt: now + 2000,
    });
    t.clock.advance(3000);

    const users = [alice.user.id, npm.user.id];
    enroll = async (on) => {
      for (const id of users) {
        await t.deps.db.deleteFrom("totp_credentials").where("user_id", "=", id).execute();
        if (!on) continue;
        await t.deps.db
          .insertInto("totp_credentials")
          .values({
            user_id: id,
            secret_enc: t.deps.keys.encrypt(SECRET, `totp:${id}`),
            last_step: 0,
            created_at: t.clock.now(),
            last_used_at: null,
          })
          .execute();
      }
      // Writes from the CLI then ask no OTP (the mode is the user's choice); the gate is what is tested.
      await t.deps.db
        .updateTable("users")
        .set({ npm_tfa_mode: "auth-only" })
        .where("id", "in", users)
        .execute();
    };
    const otp = () => {
      t.clock.advance(30_000); // one code per time step
      return HOTP.generate({
        secret: Secret.fromBase32(SECRET),
        counter: Math.floor(t.clock.now() / 30_000),
      });
    };
    const res = (r: { statusCode: number; body: string; statusMessage?: string }) => ({
      status: r.statusCode,
      text: `${r.statusMessage ?? ""} ${r.body}`.replace(/&#39;|&#x27;/g, "'"),
    });
    const web = async (url: string, fields: Record<string, string>) => {
      await alice.web.get("/account/tokens");
      return res(await alice.web.post(url, fields));
    };
    const npmGet = async (name: string) =>
      (await t.app.inject({ url: `/npm/${escaped(name)}?write=true`, headers: npm.auth })).json();
    const file = await t.deps.db
      .selectFrom("files")
      .select(["id", "filename"])
      .where("filename", "like", "gated_py-1.2%")
      .executeTakeFirstOrThrow();

    rows.push(
      {
        action: "upload",
        surface: "twine",
        run: async () => res(await publish(t, dir, pyToken, "gated-py", "2.0")),
      },
      {
        action: "upload",
        surface: "npm",
        run: async () => res(await put("/npm/gated-js", await publishBody("gated-js", "2.0.0"))),
      },
      {
        action: "create-project",
        surface: "twine",
        run: async () => res(await publish(t, dir, pyToken, "new-py", "1.0")),
      },
      {
        action: "create-project",
        surface: "npm",
        run: async () => res(await put("/npm/new-js", await publishBody("new-js", "1.0.0"))),
      },
      {
        action: "dist-tag",
        surface: "npm",
        run: async () => res(await put("/npm/-/package/gated-js/dist-tags/beta", "1.0.0")),
      },
      {
        action: "deprecate",
        surface: "npm",
        run: async () => {
          const doc = await npmGet("gated-js");
          doc.versions["1.0.0"].deprecated = "use 2";
          return res(await put("/npm/gated-js", doc));
        },
      },
      {
        action: "unpublish",
        surface: "npm",
        run: async () => {
          const doc = await npmGet("gated-js");
          delete doc.versions["1.1.0"];
          return res(await put(`/npm/gated-js/-rev/${doc._rev}`, doc));
        },
      },
      {
        action: "manage-people",
        surface: "npm",
        run: async () => {
          const doc = await npmGet("gated-js");
          return res(
            await put(`/npm/gated-js/-rev/${doc._rev}`, {
              _id: "gated-js",
              _rev: doc._rev,
              maintainers: [...doc.maintainers, { name: "bob" }],
            }),
          );
        },
      },
      {
        action: "manage-settings",
        surface: "npm",
        run: async () =>
          res(
            await t.app.inject({
              method: "POST",
              url: "/npm/-/package/gated-js/access",
              payload: { publish_requires_tfa: false },
              headers: npm.auth,
            }),
          ),
      },
      {
        action: "create-token",
        surface: "npm",
        run: async (who) =>
          res(
            await t.app.inject({
              method: "POST",
              url: "/npm/-/npm/v1/tokens",
              payload: { password: PASSWORD, readonly: false, cidr_whitelist: [] },
              headers: { ...npm.auth, ...(who === "allowed" ? { "npm-otp": otp() } : {}) },
            }),
          ),
      },
      {
        action: "yank",
        surface: "web",
        run: () => web("/manage/project/gated-py/release/1.0/yank", { reason: "" }),
      },
      {
        action: "delete",
        surface: "web",
        run: () => web("/manage/project/gated-py/release/1.1/delete", { confirm: "1.1" }),
      },
      {
        action: "delete",
        surface: "web",
        run: () => web(`/manage/project/gated-py/file/${file.id}/delete`, { confirm: file.filename }),
      },
      {
        action: "manage-people",
        surface: "web",
        run: () => web("/manage/project/gated-py/invite", { username: "bob", role: "maintainer" }),
      },
      {
        action: "manage-settings",
        surface: "web",
        run: () => web("/manage/project/gated-py/settings", { requirement: "none" }),
      },
      {
        action: "create-token",
        surface: "web",
        run: (who) =>
          web("/account/tokens", { name: `t-${who}`, scope: "projects", projects: py.id, expires: "" }),
      },
    );
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("covers every gated action on at least one surface", () => {
    expect(new Set(rows.map((r) => r.action))).toEqual(new Set(GATED_ACTIONS));
  });

  it("refuses each write from a maintainer without MFA and allows it once they have it", async () => {
    const outcomes: string[] = [];
    for (const row of rows) {
      await enroll(false);
      const refused = await row.run("refused");
      await enroll(true);
      const allowed = await row.run("allowed");
      const name = `${row.surface} ${row.action}`;
      outcomes.push(
        `${name}: ${refused.status === 403 && refused.text.includes(MESSAGE) ? "refused" : `NOT refused (${refused.status} ${refused.text.slice(0, 200)})`}, ${allowed.status < 400 ? "allowed" : `NOT allowed (${allowed.status} ${allowed.text.slice(0, 300)})`}`,
      );
    }
    expect(outcomes).toEqual(rows.map((r) => `${r.surface} ${r.action}: refused, allowed`));
  });
});
