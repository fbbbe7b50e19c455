import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../../accounts/index.js";
import type { App } from "../../app.js";
import { buildWheel } from "../../packages/archives/test-fixtures.js";
import {
  basicAuth,
  createTwoInstances,
  missing,
  type TwoInstances,
  twineForm,
} from "../../test-support/index.js";
import { insertToken } from "../../tokens/store.js";

// Two instances share PostgreSQL and Redis: an upload on one must show in the other's cached index.
describe.skipIf(missing("index cache across instances", "postgres", "redis"))(
  "index cache across instances",
  () => {
    let a: App;
    let b: App;
    let dirs: string[] = [];
    let instances: TwoInstances | undefined;
    beforeAll(async () => {
      instances = await createTwoInstances();
      ({ a, b, dirs } = instances);
    });
    afterAll(async () => {
      await instances?.close();
    });

    it("drops instance B's cached /simple/ page when instance A publishes", async () => {
      const user = await registerUser(
        a.deps,
        { ip: "127.0.0.1" },
        { username: "carol", email: "carol@example.com", password: "correct horse battery", verified: true },
        { viaOperator: true },
      );
      const { token } = await insertToken(a.deps.db, Date.now(), {
        userId: user.id,
        name: "t",
        projectIds: null,
        expiresAt: null,
        issuedBy: "user",
      });
      const dir = dirs[0]!;
      const publish = async (version: string) => {
        const form = await twineForm(await buildWheel(dir, { name: "shared-pkg", version }), {
          name: "shared-pkg",
          version,
        });
        const res = await a.app.inject({
          method: "POST",
          url: "/legacy/",
          payload: form.payload,
          headers: { ...form.headers, authorization: basicAuth("__token__", token) },
        });
        expect(res.statusCode).toBe(200);
      };
      const versionsOnB = async () =>
        (
          await b.app.inject({
            url: "/simple/shared-pkg/",
            headers: { accept: "application/vnd.pypi.simple.v1+json" },
          })
        ).json().versions;
      await publish("1.0");
      expect(await versionsOnB()).toEqual(["1.0"]); // now cached on B
      await publish("2.0");
      let seen: string[] = [];
      for (let i = 0; i < 50 && seen.length < 2; i++) {
        seen = await versionsOnB();
        if (seen.length < 2) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen).toEqual(["1.0", "2.0"]);
    });
  },
);
