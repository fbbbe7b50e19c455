import { describe, expect, it } from "vitest";
import { RingLedger } from "./ring-ledger.js";

describe("a ring read by several workers", () => {
  it("frees ring bytes only once every reader has acknowledged them", () => {
    const ring = new RingLedger(100, 2);
    ring.wrote(60);
    expect(ring.free).toBe(40);
    ring.ack(0, 60);
    expect(ring.free).toBe(40);
    ring.ack(1, 20);
    expect(ring.free).toBe(60);
    ring.ack(1, 40);
    expect(ring.free).toBe(100);
  });

  it("follows the slowest reader whichever it is", () => {
    const ring = new RingLedger(10, 3);
    ring.wrote(10);
    ring.ack(0, 10);
    ring.ack(2, 10);
    expect(ring.used).toBe(10);
    ring.ack(1, 3);
    expect(ring.used).toBe(7);
    ring.wrote(3);
    expect(ring.free).toBe(0);
  });

  it("can be over-filled by a writer that did not wait (free goes negative)", () => {
    const ring = new RingLedger(8, 1);
    ring.wrote(9);
    expect(ring.free).toBe(-1);
  });
});
