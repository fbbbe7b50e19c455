import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../../test-support/index.js";
import { npmUser, publishBody, stored } from "./test-fixtures.js";

// The race campaign (test/hostile/races.test.ts) found that a publish losing a race to a concurrent
// publish of the same version was told PyPI's "File already exists. A file name can only be used once,
// even after deletion." (400): wrong words for npm, and not what the same publish hears a moment later.
describe.each(testDatabases())("concurrent publishes of one npm version on %s", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("stores one and tells the other what a later publish of that version is told", async () => {
    const { auth } = await npmUser(t, "alice");
    const first = await publishBody("twin", "1.0.0");
    expect(
      (await t.app.inject({ method: "PUT", url: "/npm/twin", payload: first, headers: auth })).statusCode,
    ).toBe(201);
    // Several rounds: on PostgreSQL the loser could also read "no release" and then the winner's journal
    // row, and be told the version had been unpublished (the campaign saw it 9 times in 500).
    for (let round = 0; round < 5; round++) {
      const version = `2.0.${round}`;
      const body = await publishBody("twin", version);
      // Two at a time: a user has two inspection slots.
      const answers = await Promise.all(
        [0, 1].map(() => t.app.inject({ method: "PUT", url: "/npm/twin", payload: body, headers: auth })),
      );
      const later = await t.app.inject({ method: "PUT", url: "/npm/twin", payload: body, headers: auth });
      expect(later.statusCode).toBe(403);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 403]);
      const loser = answers.find((a) => a.statusCode !== 201)!;
      expect(loser.json()).toEqual(later.json());
      expect(loser.json().error).toBe(
        `You cannot publish over the previously published version ${version} of twin.`,
      );
    }
    expect((await stored(t)).files).toBe(6);
  });
});
