import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type Actor, authorize, type Grant } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import {
  assertValidProjectName,
  type CoreMetadata,
  canonicalVersion,
  checkMetadataAgainstForm,
  filenameMatches,
  normalizeName,
  type ParsedDistFilename,
  parseDistFilename,
  ultranormalizeName,
  validateRequiresPython,
} from "../../ecosystems/pypi/index.js";
import { refusal } from "../../lib/errors.js";
import { remindAfterUpload } from "../../mandates/index.js";
import { inspectSdist, inspectWheel } from "../../packages/archives/index.js";
import { findProject, publishFile, withInspectionSlot } from "../../packages/index.js";
import { stageFile } from "../../staging/index.js";
import { tokenFromBasicAuth } from "./auth.js";
import { ByteSource } from "./byte-source.js";
import { pypiErrors } from "./errors.js";
import {
  addField,
  discardRestOfBody,
  FILE_CEILING_BYTES,
  type Form,
  isMultipartForm,
  notMultipart,
  uploadParts,
} from "./form.js";
import { type Spooled, spoolUpload } from "./spool.js";

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const one = (form: Form, key: string): string | undefined => form.get(key)?.[0];
const MB = 1024 * 1024;

function required(form: Form, key: string): string {
  const v = one(form, key)?.trim();
  if (!v) throw pypiErrors.UPLOAD_INVALID(`Missing required field '${key}'.`);
  return v;
}

/**
 * Who may upload is decided before the form's version and file name are parsed and before a byte of
 * the file is read: a token restricted to other projects, or a user with no role on this project, is
 * refused without spooling anything. This is the upload's one authorization: publishFile takes the
 * grant (and asks again only if the project was created by someone else while this file spooled).
 */
async function authorizeEarly(deps: Deps, actor: Actor, form: Form) {
  const name = required(form, "name");
  assertValidProjectName(name);
  const project = await findProject(deps.db, "pypi", normalizeName(name));
  const grant = await authorize(deps, actor, project ? "upload" : "create-project", project, {
    ecosystem: "pypi",
  });
  // A staged release belongs to a project whose maintainers approve it: a new name has none yet, and
  // twine cannot give the second factor that would let its first version go live directly.
  if (grant.stage && !project)
    throw pypiErrors.FIRST_VERSION_STAGED(
      `'${name}' does not exist yet and ${lower(grant.stage.reason)}; a first version cannot be staged. Add a pending trusted publisher at ${deps.config.origin}/account/publishing: its first publish creates the project and stages the release for approval.`,
    );
  return { project, grant };
}

/** Checks everything that can be checked before a byte of the file is read. */
function checkForm(form: Form, filename: string): ParsedDistFilename {
  if (one(form, ":action") !== "file_upload")
    throw pypiErrors.UPLOAD_INVALID("Unsupported ':action': only file_upload is supported.");
  if (one(form, "protocol_version") && one(form, "protocol_version") !== "1")
    throw pypiErrors.UPLOAD_INVALID("Unsupported protocol_version: only 1 is supported.");
  required(form, "metadata_version");
  const name = required(form, "name");
  const version = required(form, "version");
  const filetype = required(form, "filetype");
  assertValidProjectName(name);
  canonicalVersion(version);
  const parsed = parseDistFilename(filename);
  filenameMatches(parsed, name, version);
  const expected = parsed.kind === "wheel" ? "bdist_wheel" : "sdist";
  if (filetype !== expected)
    throw pypiErrors.UPLOAD_INVALID(
      `The filetype '${filetype}' does not match the file '${filename}' (expected ${expected}).`,
    );
  const rp = one(form, "requires_python");
  if (rp?.trim()) validateRequiresPython(rp);
  return parsed;
}

/** The form's digests, where given, must match the bytes received (catches corruption in transit). */
function checkDigests(form: Form, spooled: Spooled): void {
  const given: Array<[string, string]> = [
    ["sha256_digest", spooled.sha256],
    ["blake2_256_digest", spooled.blake2b256],
    ["md5_digest", spooled.md5],
  ];
  if (!given.some(([k]) => one(form, k)))
    throw pypiErrors.UPLOAD_INVALID("Missing digest: send sha256_digest or blake2_256_digest.");
  for (const [key, actual] of given) {
    const sent = one(form, key)?.trim().toLowerCase();
    if (sent && sent !== actual)
      throw pypiErrors.UPLOAD_INVALID(
        `The ${key.replace("_digest", "")} digest does not match the uploaded file.`,
      );
  }
}

function releaseFields(meta: CoreMetadata, version: string) {
  return {
    version,
    canonicalVersion: canonicalVersion(version),
    requiresPython: meta.requiresPython ?? null,
    summary: meta.summary?.slice(0, 512) ?? null,
    description: meta.description ?? null,
    descriptionContentType: meta.descriptionContentType ?? null,
    metadata: {
      author: meta.author,
      authorEmail: meta.authorEmail,
      maintainer: meta.maintainer,
      maintainerEmail: meta.maintainerEmail,
      license: meta.licenseExpression ?? meta.license,
      homePage: meta.homePage,
      keywords: meta.keywords,
      classifiers: meta.classifiers,
      requiresDist: meta.requiresDist,
      providesExtra: meta.providesExtra,
      projectUrls: meta.projectUrls,
      metadataVersion: meta.metadataVersion,
    },
  };
}

const ctxOf = (req: FastifyRequest) => ({ ip: req.ip, userAgent: String(req.headers["user-agent"] ?? "") });

async function handleUpload(deps: Deps, req: FastifyRequest): Promise<{ ok: true; url: string }> {
  const auth = await tokenFromBasicAuth(deps, req);
  const form: Form = new Map();
  let spooled: Spooled | undefined;
  let grant: Grant | undefined;
  let early: Awaited<ReturnType<typeof authorizeEarly>> | undefined;
  let parsed: ParsedDistFilename | undefined;
  let filename = "";
  const used = { bytes: 0 };
  const source = new ByteSource(req.raw);
  try {
    for await (const part of uploadParts(req, source)) {
      if (part.type === "file") {
        if (part.fieldname !== "content" || spooled)
          throw pypiErrors.UPLOAD_INVALID("Send exactly one file, in the field 'content'.");
        filename = part.filename ?? "";
        early = await authorizeEarly(deps, auth.actor, form);
        const project = early.project;
        grant = early.grant;
        parsed = checkForm(form, filename);
        const limit = Math.min(project?.uploadLimitBytes ?? deps.config.uploadLimitBytes, FILE_CEILING_BYTES);
        spooled = await spoolUpload(
          deps.config.dataDir,
          part.file,
          limit,
          `File too large. The limit for this project is ${Math.floor(limit / MB)} MB.`,
        );
      } else {
        addField(form, part, used);
      }
    }
    if (!spooled || !parsed || !grant)
      throw pypiErrors.UPLOAD_INVALID("Missing the file: send it in the field 'content'.");
    if (spooled.size === 0) throw pypiErrors.UPLOAD_INVALID("The uploaded file is empty.");
    checkDigests(form, spooled);
    const name = required(form, "name");
    const version = required(form, "version");
    const expect = { name: parsed.name, version: parsed.version };
    const inspect = parsed.kind === "wheel" ? inspectWheel : inspectSdist;
    const inspected = await withInspectionSlot(auth.user.id, inspect, spooled.path, { expect });
    checkMetadataAgainstForm(inspected.metadata, {
      name,
      version,
      requiresPython: one(form, "requires_python"),
    });
    const spool = spooled;
    const fileFields = {
      filename,
      packagetype: parsed.kind === "wheel" ? "bdist_wheel" : "sdist",
      pythonVersion: parsed.kind === "wheel" ? parsed.pythonTag : "source",
      requiresPython: inspected.metadata.requiresPython ?? null,
      size: spooled.size,
      sha256: spooled.sha256,
      blake2b256: spooled.blake2b256,
      md5: spooled.md5,
      // PEP 658: only wheels' METADATA is static; an sdist's PKG-INFO may be dynamic, so not served.
      metadataSha256:
        parsed.kind === "wheel" ? createHash("sha256").update(inspected.metadataBytes).digest("hex") : null,
    };
    const coreMetadata = parsed.kind === "wheel" ? () => Readable.from([inspected.metadataBytes]) : undefined;
    // Issue 16 item 6: the policy says a token's upload waits for a maintainer's approval. twine cannot
    // give a second factor, so every such upload joins the version's draft (staging/).
    if (grant.stage && early?.project) {
      const { staged } = await stageFile(deps, ctxOf(req), {
        grant,
        project: early.project,
        release: releaseFields(inspected.metadata, version),
        tag: null,
        file: fileFields,
        content: () => spool.handOver(),
        coreMetadata,
        joinDraft: true,
        phishingResistant: grant.stage.phishingResistant,
      });
      return { ok: true, url: `${deps.config.origin}/staged/${staged.id}` };
    }
    const result = await publishFile(deps, ctxOf(req), {
      ecosystem: "pypi",
      project: {
        name: inspected.metadata.name,
        normalizedName: normalizeName(name),
        ultranormalizedName: ultranormalizeName(name),
      },
      release: releaseFields(inspected.metadata, version),
      file: fileFields,
      content: () => spool.handOver(),
      coreMetadata,
      grant,
      authorizeUpload: (p) => authorize(deps, auth.actor, "upload", p, { ecosystem: "pypi" }),
    });
    if (result.warnMandates?.length)
      await remindAfterUpload(deps, auth.user, result.warnMandates, result.project.name);
    return {
      ok: true,
      url: `${deps.config.origin}/project/${result.project.normalizedName}/${result.release.version}/`,
    };
  } finally {
    discardRestOfBody(req, source);
    await spooled?.remove();
  }
}

/** `POST /legacy/`: the upload API as twine speaks it (see shared/reference/pypi-protocol.md). */
export function registerUpload(app: FastifyInstance, deps: Deps): void {
  const handler = async (req: FastifyRequest) => {
    if (!isMultipartForm(req)) throw notMultipart(req.headers["content-type"]);
    return handleUpload(deps, req);
  };
  app.post("/legacy/", handler);
  app.post("/legacy", handler);
}
