import { hostname, userInfo } from "node:os";
import { type AuditActor, requireReason } from "../admin/index.js";
import { isAppError } from "../lib/errors.js";
import { UsageError } from "./args.js";

/**
 * The operator at the shell, as the audit log names them (issue 13 item 4): `cli:<os user>@<host>`.
 * A CLI write has no request, so no IP; the OS account is the best name there is for who ran it.
 */
export function cliActor(): AuditActor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the uid is still a name a later reader can trace.
    user = `uid${process.getuid?.() ?? "?"}`;
  }
  const name = `cli:${user}@${hostname()}`;
  return { id: name, name, ip: "" };
}

/**
 * `--reason`, checked like the console's reason field, before anything is opened or changed: a missing
 * or too short reason is a usage error (exit 2) naming the flag, not a half-done change.
 */
export function cliReason(raw: unknown, usage: string): string {
  try {
    return requireReason(typeof raw === "string" ? raw : "");
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw new UsageError(`--reason is required (3–500 characters; it goes into the audit log): ${usage}`);
  }
}
