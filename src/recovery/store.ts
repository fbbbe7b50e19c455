import type { DbExecutor } from "../db/index.js";
import type { RecoveryRequestsTable } from "../db/schema-recovery.js";

/**
 * proofs: the email was confirmed, machine proofs are being presented. waiting: proofs stand (or an
 * operator approved), the owner and co-maintainers were told, the wait runs. queued: no machine proof,
 * an operator decides. The rest are final.
 */
export type RecoveryState =
  | "proofs"
  | "waiting"
  | "queued"
  | "completed"
  | "cancelled"
  | "denied"
  | "expired";
export const OPEN_STATES: RecoveryState[] = ["proofs", "waiting", "queued"];

/** What Wharf checked by machine. Re-checked when the wait ends: a revoked token no longer stands. */
export type Proof =
  | { kind: "api_token"; tokenId: string; name: string }
  | { kind: "known_browser" }
  | { kind: "open_session"; sessionId: string };

export const PROOF_LABELS: Record<Proof["kind"], string> = {
  api_token: "A valid API token of the account",
  known_browser: "A browser that signed in to the account before",
  open_session: "A browser with a session of the account still open",
};

export interface RecoveryRequest {
  id: string;
  userId: string;
  state: RecoveryState;
  email: string;
  createdAt: number;
  submittedAt: number | null;
  waitUntil: number | null;
  proofs: Proof[];
  critical: boolean;
  approvedBy: string | null;
  decidedAt: number | null;
  decidedBy: string | null;
  decisionReason: string | null;
  requesterIp: string;
  requesterUa: string;
  linkId: string | null;
  binding: string | null;
  movedAt: number | null;
}

export function toRequest(r: RecoveryRequestsTable): RecoveryRequest {
  return {
    id: r.id,
    userId: r.user_id,
    state: r.state as RecoveryState,
    email: r.email,
    createdAt: r.created_at,
    submittedAt: r.submitted_at,
    waitUntil: r.wait_until,
    proofs: JSON.parse(r.proofs) as Proof[],
    critical: r.critical === 1,
    approvedBy: r.approved_by,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
    decisionReason: r.decision_reason,
    requesterIp: r.requester_ip,
    requesterUa: r.requester_ua,
    linkId: r.link_id,
    binding: r.browser_binding,
    movedAt: r.moved_at,
  };
}

export async function getRequest(db: DbExecutor, id: string): Promise<RecoveryRequest | null> {
  const r = await db.selectFrom("recovery_requests").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toRequest(r) : null;
}

/** The account's open request, if any (at most one is open at a time). */
export async function openRequestOf(db: DbExecutor, userId: string): Promise<RecoveryRequest | null> {
  const r = await db
    .selectFrom("recovery_requests")
    .selectAll()
    .where("user_id", "=", userId)
    .where("state", "in", OPEN_STATES)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return r ? toRequest(r) : null;
}

/**
 * Moves a request from one state to another with a compare-and-swap: two racing actions (the owner
 * cancelling while the job completes it) cannot both win. Returns whether this call won.
 */
export async function transition(
  db: DbExecutor,
  id: string,
  from: RecoveryState[],
  set: Partial<Omit<RecoveryRequestsTable, "id" | "user_id">> & { state: RecoveryState },
): Promise<boolean> {
  const r = await db
    .updateTable("recovery_requests")
    .set(set)
    .where("id", "=", id)
    .where("state", "in", from)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export interface QueueEntry extends RecoveryRequest {
  username: string;
}

/** Requests for the operator console: open ones first (queued, then waiting), newest closed after. */
export async function listRequests(
  db: DbExecutor,
  opts: { states?: RecoveryState[]; limit?: number } = {},
): Promise<QueueEntry[]> {
  let q = db
    .selectFrom("recovery_requests")
    .innerJoin("users", "users.id", "recovery_requests.user_id")
    .selectAll("recovery_requests")
    .select("users.username");
  if (opts.states?.length) q = q.where("recovery_requests.state", "in", opts.states);
  const rows = await q
    .orderBy("recovery_requests.created_at", "asc")
    .limit(Math.min(opts.limit ?? 200, 1000))
    .execute();
  return rows.map((r) => ({ ...toRequest(r), username: r.username }));
}

/** Open requests' count by state and the oldest one's creation time (dashboard and /metrics). */
export async function openSummary(
  db: DbExecutor,
): Promise<{ byState: Record<string, number>; oldestCreatedAt: number | null }> {
  const rows = await db
    .selectFrom("recovery_requests")
    .select(["state", (eb) => eb.fn.countAll<number>().as("n"), (eb) => eb.fn.min("created_at").as("oldest")])
    .where("state", "in", OPEN_STATES)
    .groupBy("state")
    .execute();
  const byState: Record<string, number> = { proofs: 0, waiting: 0, queued: 0 };
  let oldest: number | null = null;
  for (const r of rows) {
    byState[r.state] = Number(r.n);
    const o = r.oldest === null ? null : Number(r.oldest);
    if (o !== null && (oldest === null || o < oldest)) oldest = o;
  }
  return { byState, oldestCreatedAt: oldest };
}
