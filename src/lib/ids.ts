import { randomBytes } from "node:crypto";

let lastMs = 0;
let seq = 0;

/**
 * Time-ordered, random ids: 12 hex digits of milliseconds, a 4-hex sequence that orders ids made in the
 * same millisecond by this process, then 8 random bytes. Sorting by id sorts by creation time, which
 * keeps the event log's order stable on both databases.
 */
export function newId(now: number = Date.now()): string {
  seq = now === lastMs ? (seq + 1) & 0xffff : 0;
  lastMs = now;
  return (
    now.toString(16).padStart(12, "0") + seq.toString(16).padStart(4, "0") + randomBytes(8).toString("hex")
  );
}
