import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../lib/errors.js";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { confirmEmailChange } from "./email-change.js";
import { issueLinkToken } from "./email-links.js";
import { registerUser } from "./registration.js";

// Two accounts racing for one address (the race campaign, test/hostile/races.test.ts, found it on
// PostgreSQL): both confirmation links pass the "is it taken?" look, the unique index refuses the
// second write, and that refusal reached the user as a 500.
describe.each(testDatabases())("email change races on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("gives one new address to one of two accounts confirming it at once; the other hears it is taken", async () => {
    const pairs = 8;
    const links = await Promise.all(
      Array.from({ length: pairs * 2 }, async (_, i) => {
        const user = await registerUser(
          t.deps,
          { ip: "127.0.0.1" },
          {
            username: `racer${i}`,
            email: `racer${i}@example.com`,
            password: "correct horse battery",
            verified: true,
          },
          { viaOperator: true },
        );
        const wanted = `shared${Math.floor(i / 2)}@example.org`;
        return issueLinkToken(t.deps.db, t.deps.keys, t.clock.now(), user.id, "change_email", wanted);
      }),
    );
    const results = await Promise.allSettled(
      links.map((token) => confirmEmailChange(t.deps, { ip: "127.0.0.1" }, token)),
    );
    const refusals = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(pairs);
    expect(
      refusals.map((e) => (isAppError(e) ? `${e.status} ${e.code}` : String(e))),
      "every loser is told the address is taken",
    ).toEqual(Array(pairs).fill("409 EMAIL_TAKEN"));
    for (let p = 0; p < pairs; p++) {
      const owners = await t.deps.db
        .selectFrom("users")
        .select("id")
        .where("email_canonical", "=", `shared${p}@example.org`)
        .execute();
      expect(owners).toHaveLength(1);
    }
  });
});
