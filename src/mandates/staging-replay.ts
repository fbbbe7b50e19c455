import type { DbExecutor } from "../db/index.js";
import { DAY } from "../lib/clock.js";
import { projectInCohort } from "./cohorts.js";
import type { MandateShape } from "./store.js";

/*
 * Issue 16 item 6: "the simulation reports how many releases in the past window would have needed
 * approval". Replayed from what each publish recorded on its project's file.uploaded event (one per
 * file, written in the publish's own transaction by packages.writeFilesInTx): `tokenId` (every
 * protocol publish authenticates with a token), `via` for a trusted publisher's minted token, and
 * `secondFactor` when the person gave one for that very publish (npm's OTP or browser hand-off, gem's
 * OTP). The staging rule (authz.stagingVerdict, and npm's "publish with a second factor instead")
 * lets exactly those through directly; every other token or trusted-publisher publish would have been
 * staged. A publish recorded before `secondFactor` was kept counts as without one: the count is then
 * an upper bound for npm and RubyGems, never an undercount.
 */

export interface StagingEcosystemCount {
  ecosystem: string;
  /** Releases (project + version) with at least one file published in the window, in the cohort. */
  releases: number;
  /** Of those, the ones a machine published: they would have waited for a maintainer's approval. */
  would_stage: number;
  /** would_stage split by who published: an API token, or a trusted publisher (OIDC). */
  by_token: number;
  by_trusted_publisher: number;
  /** Published with a second factor given for that publish (npm OTP, gem OTP): not staged. */
  interactive: number;
  /** Distinct projects with a release that would have been staged. */
  projects: number;
}

export interface StagingReplay {
  requirement: "any" | "phishing-resistant";
  window_days: number;
  window: { from: string; to: string };
  by_ecosystem: StagingEcosystemCount[];
  /** Sum of would_stage over the ecosystems. */
  total: number;
  basis: string;
}

type Publisher = "token" | "trusted-publisher" | "interactive";

interface UploadData {
  version?: unknown;
  tokenId?: unknown;
  via?: unknown;
  secondFactor?: unknown;
}

/** How one file's publish was authenticated, from its event (see the header comment). */
function publisherOf(d: UploadData): Publisher {
  if (typeof d.secondFactor === "string") return "interactive";
  if (typeof d.via === "string" && d.via.startsWith("trusted publisher")) return "trusted-publisher";
  return typeof d.tokenId === "string" ? "token" : "interactive";
}

const parse = (s: string): UploadData => {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === "object" ? (v as UploadData) : {};
  } catch {
    return {};
  }
};

/**
 * Counts, per ecosystem of `ecosystems`, the releases of cohort projects published in [now - days, now)
 * and how many of them a staging requirement would have held for approval. A release counts as staged
 * when any of its files in the window was published without a second factor given for it (a draft
 * holds all files of a version); a trusted publisher wins over a token when both published files of one
 * release. Reads only.
 */
export async function replayStaging(
  db: DbExecutor,
  shape: MandateShape,
  requirement: "any" | "phishing-resistant",
  ecosystems: readonly string[],
  days: number,
  now: number,
  critical?: ReadonlySet<string>,
): Promise<StagingReplay> {
  const from = now - days * DAY;
  const rows = await db
    .selectFrom("events")
    .innerJoin("projects", "projects.id", "events.project_id")
    .select([
      "events.project_id as projectId",
      "events.data",
      "projects.ecosystem",
      "projects.normalized_name as normalizedName",
      "projects.critical_since as criticalSince",
    ])
    .where("events.type", "=", "file.uploaded")
    .where("events.created_at", ">=", from)
    .where("events.created_at", "<", now)
    .where("projects.ecosystem", "in", [...ecosystems])
    .execute();
  const inCohort = new Map<string, boolean>();
  // ecosystem -> project id -> version -> the strongest reason to stage seen among its files
  const seen = new Map<string, Map<string, Map<string, Publisher>>>();
  const rank: Record<Publisher, number> = { interactive: 0, token: 1, "trusted-publisher": 2 };
  for (const r of rows) {
    const projectId = r.projectId as string;
    let yes = inCohort.get(projectId);
    if (yes === undefined) {
      yes = await projectInCohort(
        db,
        shape,
        {
          id: projectId,
          ecosystem: r.ecosystem,
          normalizedName: r.normalizedName,
          criticalSince: r.criticalSince,
          requireMfa: "none",
          requireStaging: "none",
        },
        now,
        critical,
      );
      inCohort.set(projectId, yes);
    }
    if (!yes) continue;
    const d = parse(r.data);
    if (typeof d.version !== "string") continue;
    const byProject = seen.get(r.ecosystem) ?? new Map<string, Map<string, Publisher>>();
    seen.set(r.ecosystem, byProject);
    const versions = byProject.get(projectId) ?? new Map<string, Publisher>();
    byProject.set(projectId, versions);
    const who = publisherOf(d);
    const before = versions.get(d.version);
    if (before === undefined || rank[who] > rank[before]) versions.set(d.version, who);
  }
  const byEcosystem = ecosystems.map((ecosystem): StagingEcosystemCount => {
    const out = {
      ecosystem,
      releases: 0,
      would_stage: 0,
      by_token: 0,
      by_trusted_publisher: 0,
      interactive: 0,
      projects: 0,
    };
    for (const versions of seen.get(ecosystem)?.values() ?? []) {
      let staged = false;
      for (const who of versions.values()) {
        out.releases++;
        if (who === "interactive") out.interactive++;
        else {
          staged = true;
          out.would_stage++;
          if (who === "token") out.by_token++;
          else out.by_trusted_publisher++;
        }
      }
      if (staged) out.projects++;
    }
    return out;
  });
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    requirement,
    window_days: days,
    window: { from: day(from), to: day(now) },
    by_ecosystem: byEcosystem,
    total: byEcosystem.reduce((n, e) => n + e.would_stage, 0),
    basis: `releases of covered projects published in the last ${days} days by an API token or a trusted publisher without a second factor given for the publish (twine never gives one); from each file's upload event, so deleted releases count too`,
  };
}
