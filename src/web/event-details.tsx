import type { ComponentChildren } from "preact";
import type { SecurityEvent } from "../events/index.js";
import { Time } from "./components.js";
import { humanSize } from "./format.js";

/**
 * The details of a security event or an admin audit entry, as a person reads them: "Project: demo",
 * "File: demo-1.0.tar.gz", "Requirement: none → any". One module for the user's security history, a
 * project's history and the operator console, so an event reads the same wherever it is shown.
 */
export interface Detail {
  key: string;
  label: string;
  /** The value, or for a change the new value. */
  value: ComponentChildren;
  /** Set for a change: what it was before. */
  from?: ComponentChildren;
}

const LABELS: Record<string, string> = {
  project: "Project",
  version: "Version",
  filename: "File",
  files: "Files",
  name: "Name",
  label: "Key name",
  scope: "Scope",
  requirement: "Two-factor requirement",
  tokensExempt: "API tokens exempt",
  role: "Role",
  username: "User",
  reason: "Reason",
  by: "By",
  tag: "Tag",
  method: "Method",
  message: "Message",
  email: "Email",
  to: "To",
  from: "From",
  remaining: "Codes left",
  sessionsEnded: "Other sessions signed out",
  tokensRevoked: "API tokens revoked",
  via: "Via",
  mode: "Mode",
  kind: "Kind",
  domain: "Domain",
  purpose: "Purpose",
  expiresAt: "Until",
  waitUntil: "Waiting period ends",
  proofs: "Proofs",
  count: "Sessions",
  client: "Client",
  phishingResistant: "Phishing-resistant",
  // token.leaked (tokens/leaked.ts): where a secret scanner or an operator found the token.
  url: "Found at",
  source: "Found in",
  reportedBy: "Reported by",
};

/**
 * Internal identifiers a reader cannot use (the acting user's id, a token's id, a request's id): the
 * label, name or username beside them says the same thing in words.
 */
const HIDDEN = new Set(["actor", "tokenId", "request", "id", "userId", "projectId"]);

/** "uploadLimit" → "Upload limit", for keys the table above does not name. */
function labelOf(key: string): string {
  const known = LABELS[key];
  if (known) return known;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.]/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// Epoch milliseconds after 2001-09-09: a number this large under an "…At"/"…Until" key is a moment.
const EPOCH_MS_FLOOR = 1e12;

/** One value for display: moments as <time>, byte counts as sizes, lists joined, objects as "k: v". */
export function DetailValue(p: { name: string; value: unknown }): ComponentChildren {
  const v = p.value;
  if (v === null || v === undefined || v === "") return <span class="muted">none</span>;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") {
    if (/(At|Until|_at)$/.test(p.name) && v >= EPOCH_MS_FLOOR) return <Time ms={v} />;
    if (/bytes$/i.test(p.name)) return humanSize(v);
    return String(v);
  }
  if (typeof v === "string") return p.name === "method" ? v.replace(/_/g, " ") : v;
  if (Array.isArray(v))
    return v.length ? (
      v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ")
    ) : (
      <span class="muted">none</span>
    );
  return JSON.stringify(v);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A data object as details. Changes are recognised in the shapes the writers use:
 * `{ before: {...}, after: {...} }` (only the fields that differ are listed), `fromX`/`toX` pairs
 * (`fromBytes`, `toBytes` → "Bytes: 1 MB → 2 MB"), and `from`/`to` on their own.
 */
export function dataDetails(data: Record<string, unknown>): Detail[] {
  const out: Detail[] = [];
  const used = new Set<string>();
  const { before, after } = data;
  if (isRecord(before) && isRecord(after)) {
    used.add("before").add("after");
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (same(before[key], after[key])) continue;
      out.push({
        key,
        label: labelOf(key),
        from: <DetailValue name={key} value={before[key]} />,
        value: <DetailValue name={key} value={after[key]} />,
      });
    }
  }
  for (const [key, v] of Object.entries(data)) {
    const m = /^from([A-Z]\w*)$/.exec(key);
    const toKey = m ? `to${m[1]}` : key === "from" ? "to" : null;
    if (!toKey || !(toKey in data)) continue;
    const name = m ? (m[1] as string) : "value";
    used.add(key).add(toKey);
    out.push({
      key: name,
      label: m ? labelOf(name.charAt(0).toLowerCase() + name.slice(1)) : "Changed",
      from: <DetailValue name={name} value={v} />,
      value: <DetailValue name={name} value={data[toKey]} />,
    });
  }
  for (const [key, v] of Object.entries(data)) {
    if (used.has(key) || HIDDEN.has(key)) continue;
    out.push({ key, label: labelOf(key), value: <DetailValue name={key} value={v} /> });
  }
  return out;
}

/** What each kind of event adds to, or reads differently from, its data. */
export function eventDetails(e: SecurityEvent): Detail[] {
  const d = { ...e.data };
  // "0 other sessions signed out" says nothing the event's name does not.
  if (d.sessionsEnded === 0) delete d.sessionsEnded;
  // The level before the change, written since issue 14: shown as "old → new".
  if (e.type === "project.mfa_requirement" && "previous" in d) {
    d.fromRequirement = d.previous;
    d.toRequirement = d.requirement;
    delete d.previous;
    delete d.requirement;
  }
  const details = dataDetails(d).map((x) => {
    if (x.key === "name" && e.type.startsWith("token.")) return { ...x, label: "Token name" };
    if (x.key === "Requirement") return { ...x, label: "Two-factor requirement" };
    return x;
  });
  // Which browser may now skip the second step: the one thing the owner needs to judge it by.
  if (e.type === "remembered_browser.created" && e.userAgent)
    details.push({ key: "browser", label: "Browser", value: e.userAgent });
  return details;
}

/** Details as a compact definition list; a change reads "old → new". */
export function DetailList(p: { details: Detail[] }) {
  if (!p.details.length) return null;
  return (
    <dl class="details">
      {p.details.map((x) => (
        <div key={x.key} class={x.from !== undefined ? "change" : undefined}>
          <dt>{x.label}</dt>
          <dd>
            {x.from !== undefined ? (
              <>
                <del>{x.from}</del> <span aria-hidden="true">→</span>
                <span class="visually-hidden">changed to</span> <ins>{x.value}</ins>
              </>
            ) : (
              x.value
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** An event's details; `omit` leaves out what the page already says (the project, on its own page). */
export function EventDetails(p: { event: SecurityEvent; omit?: string[] }) {
  const omit = new Set(p.omit ?? []);
  return <DetailList details={eventDetails(p.event).filter((d) => !omit.has(d.key))} />;
}
