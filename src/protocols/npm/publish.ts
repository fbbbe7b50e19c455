import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { authorize } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { journalFilename, type PackageName, ultranormalizePackageName } from "../../ecosystems/npm/names.js";
import { cleanVersion } from "../../ecosystems/npm/semver.js";
import { isAppError } from "../../lib/errors.js";
import {
  claimScopeForNewPackage,
  filenameEverUsed,
  findProject,
  findRelease,
  publishFile,
  putDistTag,
  tryInspectionSlot,
  withInspectionSlot,
} from "../../packages/index.js";
import type { SpooledAttachment } from "./attachment-spool.js";
import { type NpmAuth, requestContext } from "./auth.js";
import { npmErrors } from "./errors.js";
import { checkManifestMatches, computedDist, INSTALL_FIELDS, installFields } from "./manifest.js";
import { revOf } from "./package-view.js";
import { checkDistTag, checkScopeClaim } from "./rules.js";
import { ascii, requireSecondFactor } from "./second-factor.js";
import { checkIntegrity, inspectTarball } from "./tarball.js";
import { ArrivingTarball } from "./tarball-arrival.js";

const Attachment = z.object({
  content_type: z.string().optional(),
  data: z.string(),
  length: z.number().int().nonnegative().optional(),
});
export const PublishBody = z.looseObject({
  _id: z.string().optional(),
  name: z.string(),
  description: z.string().nullish(),
  "dist-tags": z.record(z.string(), z.string()),
  versions: z.record(z.string(), z.record(z.string(), z.unknown())),
  access: z.string().nullish(),
  _attachments: z.record(z.string(), Attachment),
});
type Publish = z.infer<typeof PublishBody>;

/**
 * What is wrong with a publish body, for `body.error` (npm prints it): the first field that does not fit
 * and why, e.g. "_attachments.x.tgz.length: Invalid input: expected number, received string". Keys come
 * from the client, so they are shown as printable ASCII and cut short.
 */
export function publishBodyProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = (issue?.path ?? [])
    .map((k) =>
      String(k)
        .replace(/[^\x20-\x7e]/g, "?")
        .slice(0, 60),
    )
    .join(".");
  return `The publish request is not what npm publish sends: ${path || "the body"}: ${issue?.message ?? "not valid"}.`;
}

const MB = 1024 * 1024;
// Fields a client or an old registry may leave in a manifest that describe *its* install, not the package.
const DROPPED =
  /^_(?!(nodeVersion|npmVersion|hasShrinkwrap|npmOperationalInternal)$)|^(readme|readmeFilename|maintainers|deprecated)$/;

const INSTALL = new Set<string>(INSTALL_FIELDS);

/**
 * The version manifest as stored: the client's descriptive fields (description, license, repository,
 * ...) minus install-local ones, the install-relevant fields from the tarball, and only the dist
 * fields the registry computed — a publisher's `dist.signatures` or `dist.attestations` would be
 * served as if the registry had signed.
 */
function storedManifest(
  m: Record<string, unknown>,
  publisher: string,
  fromTarball: Record<string, unknown>,
  dist: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (!DROPPED.test(k) && !INSTALL.has(k)) out[k] = v;
  Object.assign(out, fromTarball);
  out.dist = dist;
  out._npmUser = { name: publisher, email: "" };
  return out;
}

/**
 * `npm publish --provenance` attaches a sigstore bundle (`<name>-<version>.sigstore`) beside the
 * tarball. Nothing here stores or serves it yet (trusted publishing will), and accepting the publish
 * while dropping it would leave the publisher believing their package carries provenance it does not.
 */
function refuseExtraAttachments(body: Publish): void {
  for (const [key, att] of Object.entries(body._attachments)) {
    if (key.endsWith(".tgz")) continue;
    if (key.endsWith(".sigstore") || /sigstore/i.test(att.content_type ?? ""))
      throw npmErrors.UNSUPPORTED(
        "Provenance attestations are not supported on this registry yet: publish without --provenance.",
      );
    throw npmErrors.BODY_INVALID(
      `This registry stores only the package tarball; '${key.slice(0, 100)}' would be dropped. Publish with npm publish.`,
    );
  }
}

/**
 * The tarball attachment, as the body reader spooled it to disk (publish-stream.ts). The checks are the
 * ones the whole-body decoder made: exactly one `.tgz`, base64, the declared length, not empty, the limit.
 */
function tarballAttachment(body: Publish, spooled: Map<string, SpooledAttachment>, limit: number) {
  const tarballs = Object.entries(body._attachments).filter(([k]) => k.endsWith(".tgz"));
  if (tarballs.length !== 1) throw npmErrors.BODY_INVALID("Attach exactly one package tarball (.tgz).");
  const [, att] = tarballs[0]!;
  const file = spooled.get(att.data);
  if (!file?.valid) throw npmErrors.ATTACHMENT_INVALID("The tarball attachment is not valid base64.");
  if (att.length !== undefined && att.length !== file.size)
    throw npmErrors.ATTACHMENT_INVALID(
      `The attachment says it is ${att.length} bytes but holds ${file.size}.`,
    );
  if (file.size === 0) throw npmErrors.ATTACHMENT_INVALID("The tarball attachment is empty.");
  if (file.size > limit)
    throw npmErrors.TOO_LARGE(
      `The package tarball is ${(file.size / MB).toFixed(1)} MB; the limit here is ${Math.floor(limit / MB)} MB.`,
    );
  return file;
}

/**
 * `PUT /npm/<name>` with `_attachments`: one version, checked end to end before anything is stored —
 * names, version, integrity and shasum against the decoded bytes, the tarball itself (gzip within the
 * ratio rule, safe and unique member paths, package.json naming the same name@version and declaring
 * nothing the manifest hides), never-reused version numbers, then the second factor. Permission
 * (token scope, scope ownership) is decided first, before the attachment is decoded. The file, release, dist-tag and events commit together (packages.publishFile).
 */
export async function handlePublish(
  deps: Deps,
  req: FastifyRequest,
  reply: FastifyReply,
  name: PackageName,
  body: Publish,
  spooled: Map<string, SpooledAttachment>,
  auth: NpmAuth,
): Promise<unknown> {
  const p = await preparePublish(deps, req, name, body, spooled, auth, "publish");
  const { existing, grant, secondFactor, version, tags, tarball, release, file } = p;
  const result = await publishFile(deps, requestContext(req), {
    ecosystem: "npm",
    project: {
      name: name.name,
      normalizedName: name.name,
      ultranormalizedName: ultranormalizePackageName(name),
    },
    release,
    file,
    content: () => tarball.handOver(),
    grant,
    secondFactor,
    authorizeUpload: (p) => authorize(deps, auth.actor, "upload", p, { ecosystem: "npm" }),
    alsoInTransaction: async (tx, { project }) => {
      const at = deps.clock.now();
      // A new scoped package claims (or re-checks) its scope in the same transaction: no package
      // without a scope owner, and no claim without its package.
      if (!existing && name.scope)
        await claimScopeForNewPackage(tx, at, requestContext(req), name.scope, auth.user, project.id);
      for (const [tag] of tags) await putDistTag(tx, at, project.id, tag, version);
      // `latest` must exist: a first publish with --tag next also becomes latest (npm's registry does the same).
      const hasLatest =
        tags.some(([t]) => t === "latest") ||
        (await tx
          .selectFrom("dist_tags")
          .select("tag")
          .where("project_id", "=", project.id)
          .where("tag", "=", "latest")
          .executeTakeFirst());
      if (!hasLatest) await putDistTag(tx, at, project.id, "latest", version);
    },
  }).catch(async (e: unknown) => {
    // Lost a race to a concurrent publish of this very version (the file name's journal let exactly
    // one in): answer as a publish a moment later would, in npm's words, not PyPI's about file names.
    if (isAppError(e) && e.code === "FILE_EXISTS") await refuseTakenVersion(deps, name, version);
    throw e;
  });
  const notices: string[] = [];
  if (body.access === "restricted")
    notices.push(
      "Every package on this registry can be read by everyone who can reach it; 'restricted' has no effect.",
    );
  if (result.warning) notices.push(result.warning);
  if (notices.length) reply.header("npm-notice", ascii(notices.join(" ")));
  return reply
    .status(201)
    .send({ ok: true, id: name.name, rev: revOf({ ...result.project, serial: result.project.serial + 1 }) });
}

export type PreparedPublish = Awaited<ReturnType<typeof preparePublish>>;

/**
 * Everything a publish checks before it writes, shared by `npm publish` and `npm stage publish`
 * (protocols/npm/stage.ts): the body, the one authorization, the tarball, the version, and (for a
 * direct publish) the second factor. A publish the policy says must be staged (grant.stage) is let
 * through directly only with a second factor given for it; otherwise npm is told to stage it.
 */
export async function preparePublish(
  deps: Deps,
  req: FastifyRequest,
  name: PackageName,
  body: Publish,
  spooled: Map<string, SpooledAttachment>,
  auth: NpmAuth,
  mode: "publish" | "stage",
) {
  if (body.name !== name.name || (body._id !== undefined && body._id !== name.name))
    throw npmErrors.NAME_MISMATCH(
      `The package name in the URL ('${name.name}') and in the body ('${body.name}') differ.`,
    );
  refuseExtraAttachments(body);
  const entries = Object.entries(body.versions);
  if (entries.length !== 1) throw npmErrors.BODY_INVALID("Publish exactly one version at a time.");
  const [key, manifest] = entries[0]!;
  const version = cleanVersion(manifest.version);
  if (key !== version && cleanVersion(key) !== version)
    throw npmErrors.BODY_INVALID(`The version key '${key}' and the manifest's version '${version}' differ.`);
  if (manifest.name !== name.name)
    throw npmErrors.NAME_MISMATCH(`The manifest names '${String(manifest.name)}', not '${name.name}'.`);
  const tags = Object.entries(body["dist-tags"]);
  for (const [tag, v] of tags) {
    checkDistTag(tag);
    if (v !== version)
      throw npmErrors.BODY_INVALID(`The dist-tag '${tag}' must name the version being published.`);
  }
  // Permission before the attachment is inflated (issue 12, item 2). The one authorization of this
  // publish: publishFile takes the grant and does not ask again.
  const { existing, grant } = await publishPermission(deps, name, auth, mode);
  const tarball = tarballAttachment(
    body,
    spooled,
    existing?.uploadLimitBytes ?? deps.config.uploadLimitBytes,
  );
  const d = tarball.digests;
  const dist = (manifest.dist ?? {}) as Record<string, unknown>;
  checkIntegrity(dist.integrity, dist.shasum, d);
  // Inflating and reading the tarball is the costly step: at most a few at a time per user. Usually it
  // ran while the body arrived (earlyInspection below); its answer is used only now, after permission.
  const inspected = tarball.arriving
    ? await tarball.arriving.finish(tarball)
    : await withInspectionSlot(auth.user.id, inspectTarball, tarball);
  const inner = inspected.packageJson;
  if (
    inner.name !== name.name ||
    typeof inner.version !== "string" ||
    cleanVersion(inner.version) !== version
  )
    throw npmErrors.ATTACHMENT_INVALID(
      `The tarball's package.json is ${String(inner.name)}@${String(inner.version)}, but this publishes ${name.name}@${version}.`,
    );
  const fromTarball = installFields(inspected, name.bare);
  checkManifestMatches(manifest, fromTarball);
  const filename = journalFilename(name.name, version);
  await refuseTakenVersion(deps, name, version);
  // A trusted publisher (CI) has no interactive factor to give; authorize() decided it as its own kind.
  // Where the policy wants its releases staged, it is told so (the OTP challenge names `npm stage`).
  const secondFactor =
    mode === "publish" && (!auth.token.publisher || grant.stage)
      ? await requireSecondFactor(deps, req, auth.user, auth.token, {
          kind: "write",
          description: `publish ${name.name}@${version}`,
          project: existing,
          ...(grant.stage
            ? {
                always: true,
                phishingResistant: grant.stage.phishingResistant,
                // npm stages only versions of existing packages (npm stage publish refuses a new one).
                unless: existing
                  ? `${grant.stage.reason}: stage it with \`npm stage publish\` and approve it with \`npm stage approve <id>\`, or publish with a second factor`
                  : `${grant.stage.reason}: a first version cannot be staged, publish it with a second factor`,
              }
            : {}),
        })
      : null;
  const stored = storedManifest(manifest, auth.user.username, fromTarball, computedDist(d, inspected));
  const readme = typeof manifest.readme === "string" ? manifest.readme.slice(0, MB) : null;
  return {
    existing,
    grant,
    secondFactor,
    version,
    tags,
    tarball,
    release: {
      version,
      canonicalVersion: version,
      requiresPython: null,
      summary: typeof manifest.description === "string" ? manifest.description.slice(0, 512) : null,
      description: readme,
      descriptionContentType: readme ? "text/markdown" : null,
      metadata: stored,
    },
    file: {
      filename,
      packagetype: "npm",
      pythonVersion: null,
      requiresPython: null,
      size: tarball.size,
      sha256: d.sha256,
      // PyPI's upload digests, not computed for npm tarballs (attachment-spool.ts); npm's own integrity
      // and shasum are in the version's dist.
      blake2b256: "",
      md5: "",
      metadataSha256: null,
    },
  };
}

/**
 * Who may publish this package: a token for another package, or someone else's scope, must not make the
 * registry spend CPU and memory on the tarball (issue 12, item 2), so this comes before any inflating.
 */
async function publishPermission(deps: Deps, name: PackageName, auth: NpmAuth, mode: "publish" | "stage") {
  const existing = await findProject(deps.db, "npm", name.name);
  if (mode === "stage" && !existing) throw npmErrors.STAGE_NEW_PACKAGE();
  if (!existing) await checkScopeClaim(deps, name, auth.user);
  const grant = await authorize(deps, auth.actor, existing ? "upload" : "create-project", existing, {
    ecosystem: "npm",
  });
  return { existing, grant };
}

/**
 * Before the body of `PUT /npm/<name>` (or `npm stage publish`) is read: may its tarball be inspected
 * while it arrives (tarball-arrival.ts)? Only when this request could publish the package named in the
 * URL right now, by the same decision preparePublish makes after the body. Anything else, including a
 * name that does not parse or a refusal, means no: the publish then inspects the spooled file after the
 * body, once the authoritative checks passed, and answers exactly as before. A free inspection slot is
 * taken when the tarball begins; without one the publish waits for the file, as before.
 *
 * `bound` is the most the tarball can be: 3/4 of the body's declared length (base64).
 */
export async function earlyInspection(
  deps: Deps,
  name: PackageName,
  auth: NpmAuth,
  mode: "publish" | "stage",
  bound: number,
): Promise<(() => ArrivingTarball | null) | null> {
  try {
    await publishPermission(deps, name, auth, mode);
  } catch {
    return null;
  }
  return () => {
    const release = tryInspectionSlot(auth.user.id);
    return release ? new ArrivingTarball(bound, release) : null;
  };
}

/**
 * A version that exists, or existed and was unpublished, is refused with npm's own answer. The journal
 * is read first: a release and its journal row commit together, so once the journal shows the file name
 * the release is visible too, unless it was unpublished. Reading the release first let a publish racing
 * a concurrent one of the same version (PostgreSQL, the race campaign: 9 of 500) see no release, then
 * the winner's journal row, and be told the version "was published before and unpublished".
 */
export async function refuseTakenVersion(deps: Deps, name: PackageName, version: string): Promise<void> {
  if (!(await filenameEverUsed(deps.db, journalFilename(name.name, version)))) return;
  const project = await findProject(deps.db, "npm", name.name);
  if (project && (await findRelease(deps.db, project.id, version)))
    throw npmErrors.VERSION_EXISTS(
      `You cannot publish over the previously published version ${version} of ${name.name}.`,
    );
  throw npmErrors.VERSION_REUSED(
    `${name.name}@${version} was published before and unpublished; version numbers are never reused. Publish a new version.`,
  );
}
