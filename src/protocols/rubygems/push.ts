import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { authorize } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import { formatRequirement, type GemSpec, gemFilename } from "../../ecosystems/rubygems/index.js";
import { fileDigests } from "../../lib/digests.js";
import { isAppError } from "../../lib/errors.js";
import { inspectGem } from "../../packages/archives/index.js";
import {
  filenameEverUsed,
  findProject,
  findRelease,
  publishFile,
  withInspectionSlot,
} from "../../packages/index.js";
import { type GemAuth, requestContext } from "./auth.js";
import { gemErrors } from "./errors.js";
import { requireOtp } from "./second-factor.js";

const gems = ecosystemFor("rubygems");

/** What the compact index and the pages need of a release, kept in the release's metadata JSON. */
export function releaseMetadata(spec: GemSpec): Record<string, unknown> {
  return {
    platforms: [spec.platform],
    authors: spec.authors,
    homepage: spec.homepage,
    licenses: spec.licenses,
    gemMetadata: spec.metadata,
    dependencies: spec.dependencies.map((d) => ({
      name: d.name,
      type: d.type,
      requirement: formatRequirement(d.requirement),
    })),
    requiredRubyVersion: formatRequirement(spec.requiredRubyVersion),
    requiredRubygemsVersion: formatRequirement(spec.requiredRubygemsVersion),
  };
}

/** A version number is used once: taken (any platform of it by this file name), or yanked, it is refused. */
async function refuseTakenVersion(deps: Deps, projectId: string | null, spec: GemSpec, filename: string) {
  const label = `${spec.name} (${spec.version}${spec.platform === "ruby" ? "" : `-${spec.platform}`})`;
  const release = projectId ? await findRelease(deps.db, projectId, spec.version) : null;
  if (release?.yankedAt != null)
    throw gemErrors.VERSION_YANKED(
      `Version ${spec.version} of ${spec.name} was yanked and its number is never used again: bump the version and push again.`,
    );
  if (await filenameEverUsed(deps.db, filename))
    throw gemErrors.VERSION_EXISTS(
      `Repushing of gem versions is not allowed: ${label} already exists. Bump the version and push again.`,
    );
}

/**
 * `gem push`: the raw .gem in the body. Order: the key may write (checked before the body is read),
 * the gem is read and checked whole (tar, sizes, checksums, gemspec), the one authorization for this
 * name, the version is new, the second factor, then the file, release and events commit together.
 * The answer's body is printed by the client, so it carries a mandate's warning too.
 */
export async function handlePush(deps: Deps, req: FastifyRequest, auth: GemAuth): Promise<string> {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0)
    throw gemErrors.BODY_INVALID("Send the .gem file as the request body, as gem push does.");
  const bytes = req.body;
  const inspected = await withInspectionSlot(auth.user.id, inspectGem, bytes);
  const spec = inspected.spec;
  const normalized = gems.normalizeName(spec.name);
  const existing = await findProject(deps.db, "rubygems", normalized);
  if (existing && existing.name !== spec.name)
    throw gemErrors.NAME_CASE(
      `The gem '${existing.name}' exists and names are unique whatever their case: name yours '${existing.name}' (if it is yours) or choose another name.`,
    );
  if (bytes.length > (existing?.uploadLimitBytes ?? deps.config.uploadLimitBytes))
    throw gemErrors.TOO_LARGE();
  const grant = await authorize(deps, auth.actor, existing ? "upload" : "create-project", existing, {
    ecosystem: "rubygems",
  });
  const filename = gemFilename(spec.name, spec.version, spec.platform);
  await refuseTakenVersion(deps, existing?.id ?? null, spec, filename);
  const gemRequires = spec.metadata.rubygems_mfa_required === "true";
  // Issue 16 item 6: where the policy says a token's publishes wait for a maintainer's approval, a gem
  // (which has no staging here) goes through only with a second factor given for this push, as npm's
  // publish does; without that rule's check, a key alone would have walked around it.
  const secondFactor = await requireOtp(
    deps,
    req,
    auth.user,
    grant.stage
      ? { required: `${grant.stage.reason}; gems are not staged, so this push` }
      : gemRequires
        ? { required: `The gem ${spec.name}` }
        : {},
  );
  if (grant.stage && !secondFactor)
    throw gemErrors.MFA_NEEDED(
      `${grant.stage.reason}; gems are not staged, so push with a second factor: run the command again with --otp CODE.`,
    );
  if (grant.stage?.phishingResistant && secondFactor !== "browser")
    throw gemErrors.MFA_NEEDED(
      `${grant.stage.reason} with a security key or passkey; gems are not staged, so confirm this push with your security key in the browser (an authenticator code is not enough).`,
    );
  const result = await publishFile(deps, requestContext(req), {
    ecosystem: "rubygems",
    project: {
      name: spec.name,
      normalizedName: normalized,
      ultranormalizedName: gems.lookalikeKey(spec.name),
    },
    release: {
      version: spec.version,
      canonicalVersion: spec.version,
      requiresPython: null,
      summary: spec.summary?.slice(0, 512) ?? null,
      description: spec.description,
      descriptionContentType: spec.description ? "text/plain" : null,
      metadata: releaseMetadata(spec),
    },
    file: {
      filename,
      packagetype: "gem",
      pythonVersion: null,
      requiresPython: null,
      size: bytes.length,
      ...(await fileDigests(bytes)),
      metadataSha256: createHash("sha256").update(inspected.metadataYaml).digest("hex"),
    },
    content: () => Readable.from([bytes]),
    coreMetadata: () => Readable.from([Buffer.from(inspected.metadataYaml)]),
    grant,
    secondFactor,
    authorizeUpload: (p) => authorize(deps, auth.actor, "upload", p, { ecosystem: "rubygems" }),
  }).catch(async (e: unknown) => {
    // Lost a race to a push of this very file: answer as a push a moment later would.
    if (isAppError(e) && e.code === "FILE_EXISTS")
      await refuseTakenVersion(deps, existing?.id ?? null, spec, filename);
    throw e;
  });
  const done = `Successfully registered gem: ${spec.name} (${spec.version}${spec.platform === "ruby" ? "" : `-${spec.platform}`})`;
  return result.warning ? `${done}\n${result.warning}` : done;
}
