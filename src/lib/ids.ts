import { randomBytes } from "node:crypto";

/**
 * Time-ordered, random ids: 12 hex digits of milliseconds then 10 random bytes. Sorting by id sorts by
 * creation time, which keeps the event log's order stable on both databases.
 */
export function newId(now: number = Date.now()): string {
  return now.toString(16).padStart(12, "0") + randomBytes(10).toString("hex");
}
