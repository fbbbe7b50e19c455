import { z } from "zod";
import type { EventContext } from "../events/index.js";
import { revokeLeakedToken } from "../tokens/index.js";
import { scanningErrors } from "./errors.js";

export const MAX_REPORT_BYTES = 1024 * 1024;
const MAX_MATCHES = 2000;

/** One match as GitHub sends it; unknown fields are ignored, lengths bounded before anything is read. */
const match = z.object({
  token: z.string().max(1000),
  type: z.string().max(200).optional(),
  url: z.string().max(8000).optional(),
  source: z.string().max(200).optional(),
});

/** GitHub's false-positive feedback format, one entry per match, in the order received. */
export interface Verdict {
  token_raw: string;
  token_type: string;
  label: "true_positive" | "false_positive";
}

/** The whole report is checked before any token is touched: a malformed one revokes nothing. */
export function parseReport(body: Buffer): z.infer<typeof match>[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw scanningErrors.REPORT_INVALID();
  }
  if (Array.isArray(json) && json.length > MAX_MATCHES) throw scanningErrors.REPORT_TOO_LARGE();
  const parsed = z.array(match).safeParse(json);
  if (!parsed.success) throw scanningErrors.REPORT_INVALID();
  return parsed.data;
}

/**
 * Each match of a verified report: a Wharf token (live, expired or already revoked) is a true
 * positive, anything else a false positive. That verdict is all the answer says: no owner, no name,
 * no "was already revoked" — GitHub needs to know whether the string is a real credential, nothing more.
 */
export async function handleReport(
  deps: Parameters<typeof revokeLeakedToken>[0],
  ctx: EventContext,
  matches: z.infer<typeof match>[],
): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const m of matches) {
    const outcome = await revokeLeakedToken(deps, m, { by: "GitHub secret scanning", ctx });
    verdicts.push({
      token_raw: m.token,
      token_type: m.type ?? "",
      label: outcome.kind === "unknown" ? "false_positive" : "true_positive",
    });
  }
  return verdicts;
}
