import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authorize, decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { type PackageName, parsePackageName } from "../../ecosystems/npm/names.js";
import { getProjectById } from "../../packages/index.js";
import {
  approveStaged,
  findStaged,
  listPending,
  rejectStaged,
  type StagedRelease,
  stageFile,
  stagingErrors,
} from "../../staging/index.js";
import type { SpooledAttachment } from "./attachment-spool.js";
import { type NpmAuth, requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { PublishBody, preparePublish, publishBodyProblem } from "./publish.js";
import { requireSecondFactor } from "./second-factor.js";

/**
 * `npm stage` (npm 11, lib/commands/stage/): publish into a staging area, list, view and download what
 * waits, then approve (publishes) or reject (removes) with a second factor. The CLI resolves these
 * paths against the registry URL, so they live under /npm/-/stage. Staging takes no second factor (the
 * CLI skips its OTP prompt there on purpose); approval and rejection always do.
 */
/** The package of `POST /npm/-/stage/package/<name>`; npm escapes a scoped name's slash (@scope%2fname). */
export function stagedPackageName(req: FastifyRequest): PackageName {
  const raw = (req.url.split("?")[0] ?? "").slice("/npm/-/stage/package/".length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw npmErrors.NAME_INVALID();
  }
  return parsePackageName(decoded);
}

export async function handleStagePublish(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  spooled: Map<string, SpooledAttachment>,
): Promise<unknown> {
  const auth = await requireWriter(deps, req);
  const name = stagedPackageName(req);
  const parsed = PublishBody.safeParse(req.body);
  if (!parsed.success) throw npmErrors.BODY_INVALID(publishBodyProblem(parsed.error));
  const p = await preparePublish(deps, req, name, parsed.data, spooled, auth, "stage");
  if (!p.existing) throw npmErrors.STAGE_NEW_PACKAGE();
  const { staged } = await stageFile(deps, requestContext(req), {
    grant: p.grant,
    project: p.existing,
    release: p.release,
    tag: p.tags[0]?.[0] ?? "latest",
    file: p.file,
    content: () => p.tarball.handOver(),
    joinDraft: false,
    phishingResistant: p.grant.stage?.phishingResistant ?? false,
  });
  return reply.status(201).send({ ok: true, stageId: staged.id, ...view(deps, staged) });
}

/** The reads, approval and rejection (the staging POST is read by the publish body's reader: index.ts). */
export function registerStage(app: FastifyInstance, deps: Deps): void {
  app.get("/npm/-/stage", async (req) => {
    const auth = await requireAuth(deps, req);
    const q = req.query as Record<string, string | undefined>;
    const page = Math.max(0, Number.parseInt(q.page ?? "0", 10) || 0);
    const perPage = Math.min(100, Math.max(1, Number.parseInt(q.perPage ?? "100", 10) || 100));
    let projectId: string | undefined;
    if (q.package) {
      const s = await deps.db
        .selectFrom("projects")
        .select("id")
        .where("ecosystem", "=", "npm")
        .where("normalized_name", "=", q.package.toLowerCase())
        .executeTakeFirst();
      if (!s) return { items: [], total: 0 };
      projectId = s.id;
    }
    const { items, total } = await listPending(deps.db, {
      userId: auth.user.id,
      projectId,
      now: deps.clock.now(),
      offset: page * perPage,
      limit: perPage,
    });
    return { items: items.filter((s) => s.ecosystem === "npm").map((s) => view(deps, s)), total };
  });

  app.get<{ Params: { id: string } }>("/npm/-/stage/:id", async (req) => {
    const auth = await requireAuth(deps, req);
    return view(deps, await readable(deps, auth, req.params.id));
  });

  app.get<{ Params: { id: string } }>("/npm/-/stage/:id/tarball", async (req, reply) => {
    const auth = await requireAuth(deps, req);
    const s = await readable(deps, auth, req.params.id);
    const file = s.files[0];
    if (!file) throw stagingErrors.NOT_FOUND();
    return reply
      .header("content-type", "application/octet-stream")
      .header("content-length", String(file.size))
      .header("cache-control", "private, no-store")
      .send(await deps.blobs.get(file.blobKey));
  });

  app.post<{ Params: { id: string } }>("/npm/-/stage/:id/approve", async (req) => {
    const { s, d } = await decision(deps, req, "approve");
    const done = await approveStaged(deps, requestContext(req), s.id, d);
    return { ok: true, ...view(deps, done) };
  });

  app.delete<{ Params: { id: string } }>("/npm/-/stage/:id", async (req, reply) => {
    const { s, d } = await decision(deps, req, "reject");
    await rejectStaged(deps, requestContext(req), s.id, d);
    return reply.status(200).send({ ok: true });
  });
}

/**
 * A pending staged release the caller may see: a maintainer of its package (else it does not exist for
 * them). A decided one is gone for npm, as on npm's registry ("permanently delete this staged publish
 * record"); the web page and the project's history keep what happened.
 */
async function readable(deps: Deps, auth: NpmAuth, id: string): Promise<StagedRelease> {
  const s = await findStaged(deps.db, id);
  if (!s || s.ecosystem !== "npm" || s.state !== "staged") throw stagingErrors.NOT_FOUND();
  const project = await getProjectById(deps.db, s.projectId);
  const d = await decide(
    deps.db,
    deps.config.origin,
    auth.actor,
    "approve-staged",
    project,
    deps.clock.now(),
  );
  if (!d.allow) throw stagingErrors.NOT_FOUND();
  return s;
}

async function decision(deps: Deps, req: FastifyRequest<{ Params: { id: string } }>, verb: string) {
  const auth = await requireWriter(deps, req);
  const s = await readable(deps, auth, req.params.id);
  // Checked before the second factor is asked: an OTP spent on an approval that cannot happen here
  // would only be wasted.
  if (s.phishingResistant && verb === "approve")
    throw stagingErrors.PHISHING_RESISTANT_REQUIRED(
      `${s.projectName}@${s.version} must be approved with a security key or passkey: approve it at ${deps.config.origin}/staged/${s.id}`,
    );
  const project = await getProjectById(deps.db, s.projectId);
  const grant = await authorize(deps, auth.actor, "approve-staged", project);
  const factor = await requireSecondFactor(deps, req, auth.user, auth.token, {
    kind: "write",
    always: true,
    description: `${verb} the staged ${s.projectName}@${s.version}`,
    project,
  });
  return { s, d: { grant, factor } };
}

/** What `npm stage view` prints (lib/utils/key-values.js logStageItem): its fields, then the rest. */
function view(deps: Deps, s: StagedRelease) {
  const dist = (s.release.metadata.dist ?? {}) as { shasum?: string; integrity?: string };
  return {
    id: s.id,
    packageName: s.projectName,
    version: s.version,
    tag: s.tag ?? "latest",
    createdAt: new Date(s.createdAt).toISOString(),
    actor: s.actorName,
    actorType: s.actorType,
    shasum: dist.shasum ?? null,
    integrity: dist.integrity ?? null,
    state: s.state,
    expiresAt: new Date(s.expiresAt).toISOString(),
    approvalUrl: `${deps.config.origin}/staged/${s.id}`,
  };
}
