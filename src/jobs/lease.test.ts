import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp, testDatabases } from "../test-support/index.js";
import { acquireLease, withLease } from "./index.js";

const NOW = Date.UTC(2026, 3, 15, 12);

describe.each(testDatabases())("job leases (%s)", (kind) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(kind);
  });
  afterEach(() => t.close());

  it("only one holder runs the job; the other is told until when it is held", async () => {
    let release!: () => void;
    const running = withLease(
      t.deps.db,
      "job",
      "a",
      60_000,
      NOW,
      () => new Promise<void>((r) => (release = r)),
    );
    await new Promise((r) => setTimeout(r, 20));
    const other = await withLease(t.deps.db, "job", "b", 60_000, NOW, async () => "ran");
    expect(other).toEqual({ ran: false, heldUntil: NOW + 60_000 });
    release();
    expect((await running).ran).toBe(true);
    expect((await withLease(t.deps.db, "job", "b", 60_000, NOW, async () => "ran")).ran).toBe(true);
  });

  it("a job that runs past its TTL keeps the lease: it is renewed while the job runs", async () => {
    const ttl = 300;
    const run = withLease(t.deps.db, "slow", "a", ttl, NOW, () => new Promise((r) => setTimeout(r, 4 * ttl)));
    await new Promise((r) => setTimeout(r, 2 * ttl));
    // Had the lease not been renewed, it would have expired at NOW + 300 and "b" could take it at NOW + 600.
    expect(await acquireLease(t.deps.db, "slow", "b", ttl, NOW + 2 * ttl)).toBe(false);
    await run;
    expect(await acquireLease(t.deps.db, "slow", "b", ttl, NOW + 2 * ttl)).toBe(true);
  });

  it("the lease is released when the job fails", async () => {
    await expect(
      withLease(t.deps.db, "fails", "a", 60_000, NOW, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await acquireLease(t.deps.db, "fails", "b", 60_000, NOW)).toBe(true);
  });
});
