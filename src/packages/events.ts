import type { DbExecutor } from "../db/index.js";
import { type EventContext, type EventType, recordEvent } from "../events/index.js";

/**
 * A project change is recorded once on the project (its history page) and once on each person involved
 * (their security history), so a maintainer can see what was done in their name and to them.
 */
export async function recordProjectEvent(
  db: DbExecutor,
  now: number,
  ctx: EventContext,
  e: {
    type: EventType;
    projectId: string;
    projectName: string;
    actorId: string | null;
    people?: string[];
    data?: Record<string, unknown>;
  },
): Promise<void> {
  const data = { project: e.projectName, ...(e.actorId ? { actor: e.actorId } : {}), ...e.data };
  await recordEvent(db, now, ctx, { type: e.type, projectId: e.projectId, userId: null, data });
  const people = new Set([...(e.actorId ? [e.actorId] : []), ...(e.people ?? [])]);
  for (const userId of people) await recordEvent(db, now, ctx, { type: e.type, userId, data });
}
