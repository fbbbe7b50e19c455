import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import type { App } from "../../app.js";
import { createTwoInstances, missing, type TwoInstances } from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";
import { publishBody } from "./test-fixtures.js";

// Two instances share PostgreSQL and Redis: a publish on one must show at once in the other's cached
// packuments (both forms), and an unpublished tarball must stop being served by either.
describe.skipIf(missing("npm packument cache across instances", "postgres", "redis"))(
  "npm packument cache across instances",
  () => {
    let a: App;
    let b: App;
    let instances: TwoInstances | undefined;
    let auth: Record<string, string>;
    beforeAll(async () => {
      instances = await createTwoInstances();
      ({ a, b } = instances);
      const user = await registerUser(
        a.deps,
        { ip: "127.0.0.1" },
        { username: "alice", email: "alice@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      const { token } = await insertToken(a.deps.db, Date.now(), {
        userId: user.id,
        name: "t",
        projectIds: null,
        expiresAt: null,
        issuedBy: "user",
      });
      auth = { authorization: `Bearer ${token}` };
    });
    afterAll(async () => {
      await instances?.close();
    });

    const versions = async (app: App, accept = "application/json") =>
      Object.keys((await app.app.inject({ url: "/npm/demo", headers: { accept } })).json().versions ?? {});
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
      return check();
    };

    it("shows a version published on one instance in the other's cached packuments", async () => {
      const put = async (v: string) =>
        a.app.inject({
          method: "PUT",
          url: "/npm/demo",
          payload: await publishBody("demo", v),
          headers: auth,
        });
      expect((await put("1.0.0")).statusCode).toBe(201);
      expect(await versions(b)).toEqual(["1.0.0"]);
      expect(await versions(b, "application/vnd.npm.install-v1+json")).toEqual(["1.0.0"]);
      expect((await put("1.1.0")).statusCode).toBe(201);
      expect(await until(async () => (await versions(b)).length === 2)).toBe(true);
      expect(
        await until(async () => (await versions(b, "application/vnd.npm.install-v1+json")).length === 2),
      ).toBe(true);
    });

    it("shows a deprecation made on one instance in the other's packuments, whose fragments were kept", async () => {
      // b has rendered demo (both documents) above, so it holds each version's fragment.
      const doc = (await a.app.inject({ url: "/npm/demo?write=true", headers: auth })).json();
      doc.versions["1.0.0"].deprecated = "use 1.1.0";
      const put = await a.app.inject({
        method: "PUT",
        url: "/npm/demo",
        payload: JSON.stringify(doc),
        headers: { ...auth, "content-type": "application/json" },
      });
      expect(put.statusCode).toBe(200);
      const deprecated = async (accept: string) =>
        (await b.app.inject({ url: "/npm/demo", headers: { accept } })).json().versions["1.0.0"].deprecated;
      expect(await until(async () => (await deprecated("application/json")) === "use 1.1.0")).toBe(true);
      expect(
        await until(async () => (await deprecated("application/vnd.npm.install-v1+json")) === "use 1.1.0"),
      ).toBe(true);
      expect((await b.app.inject({ url: "/npm/demo/1.0.0" })).json().deprecated).toBe("use 1.1.0");
    });
  },
);
