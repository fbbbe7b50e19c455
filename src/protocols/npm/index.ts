import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { type PackageName, parsePackageName } from "../../ecosystems/npm/names.js";
import { spoolDir } from "../../lib/spool-dir.js";
import type { SpooledAttachment } from "./attachment-spool.js";
import { registerAudit } from "./audit.js";
import { replayReader, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { registerLogin } from "./login.js";
import { registerNpmOidc } from "./oidc.js";
import { registerOrgs } from "./orgs.js";
import { registerPackageApi } from "./package-api.js";
import { type PackagePath, parsePackagePath } from "./paths.js";
import { registerProfile } from "./profile.js";
import { earlyInspection, handlePublish, PublishBody, publishBodyProblem } from "./publish.js";
import { readPublishStream, type StreamedPublish } from "./publish-stream.js";
import { handleRead, registerMisc } from "./read.js";
import { registerSearch } from "./search.js";
import { OtpChallenge } from "./second-factor.js";
import { handleStagePublish, registerStage, stagedPackageName } from "./stage.js";
import { registerStars } from "./stars.js";
import { PackageStates } from "./state.js";
import type { ArrivingTarball } from "./tarball-arrival.js";
import { registerTokens } from "./tokens.js";
import { handleDelete, handleUpdate } from "./writes.js";

const MB = 1024 * 1024;

function packagePath(req: FastifyRequest): PackagePath {
  const p = parsePackagePath(req.url);
  if (!p) throw npmErrors.NOT_FOUND(`Nothing lives at ${req.url.split("?")[0]}.`);
  return p;
}

/**
 * The npm registry at /npm/ (`registry=http://host/npm/`); the browser pages of its hand-offs
 * (/npm-cli/...) are web pages (web/routes/cli-handoff.ts), shared with gem's. Protocol facts: shared/reference/npm-protocol.md; the domain work happens in
 * packages/, tokens/, mfa/ and policy/ like every other surface.
 */
async function handlePut(
  deps: Deps,
  states: PackageStates,
  req: FastifyRequest,
  reply: FastifyReply,
  spooled: Map<string, SpooledAttachment>,
): Promise<unknown> {
  const p = packagePath(req);
  const auth = await requireWriter(deps, req);
  if (p.kind !== "package" && p.kind !== "rev") throw npmErrors.NOT_FOUND();
  const name = parsePackageName(p.name);
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw npmErrors.BODY_INVALID("Send a JSON object, as npm does.");
  const attachments = body._attachments as Record<string, unknown> | undefined;
  if (p.kind === "package" && attachments && Object.keys(attachments).length > 0) {
    const parsed = PublishBody.safeParse(body);
    if (!parsed.success) throw npmErrors.BODY_INVALID(publishBodyProblem(parsed.error));
    return handlePublish(deps, req, reply, name, parsed.data, spooled, auth);
  }
  return handleUpdate(deps, states, req, reply, name.name, body, p.kind === "rev" ? p.rev : null, auth);
}

export async function registerNpm(app: FastifyInstance, deps: Deps): Promise<void> {
  const states = new PackageStates(deps);
  // base64 inflates by 4/3; the manifest and readme ride along in the same JSON document.
  const publishLimit = Math.ceil((deps.config.uploadLimitBytes * 4) / 3) + 8 * MB;

  await app.register(async (npm) => {
    npm.setErrorHandler((err, _req, reply) => {
      if (err instanceof OtpChallenge) {
        for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
        return reply.status(401).send({ error: err.message, code: err.code, ...err.extra });
      }
      if ((err as { code?: string }).code === "FST_ERR_CTP_BODY_TOO_LARGE")
        throw npmErrors.TOO_LARGE(
          `The request is larger than this registry accepts (packages up to ${Math.floor(deps.config.uploadLimitBytes / MB)} MB).`,
        );
      // Fastify refuses a body it has no parser for with a bare "Unsupported content type."
      if ((err as { code?: string }).code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
        throw npmErrors.BODY_INVALID("Send the body as JSON (content-type: application/json), as npm does.");
      throw err;
    });

    const streamed = new WeakMap<object, StreamedPublish>();
    // Publishes whose tarball may be inspected while it arrives (publish.ts, earlyInspection).
    const arrivals = new WeakMap<object, () => ArrivingTarball | null>();
    // Before a publish body is read: refuse a missing, read-only or dead token, then decide whether this
    // request may publish the package in its URL, which lets its tarball be inspected as it arrives.
    const beforePublishBody = async (
      req: FastifyRequest,
      mode: "publish" | "stage",
      name: () => PackageName,
    ) => {
      const auth = await requireWriter(deps, req);
      let parsed: PackageName;
      try {
        parsed = name();
      } catch {
        return; // the handler answers for a name that does not parse
      }
      // The declared length bounds the tarball (3/4 of it, base64), and so the gzip-bomb cap while it
      // arrives. A chunked body declares none: it is inspected after the body, with its exact size,
      // rather than with a cap of 100 times the largest body (npm always sends Content-Length).
      const declared = Number(req.headers["content-length"]);
      if (!(declared > 0 && declared <= publishLimit)) return;
      const plan = await earlyInspection(deps, parsed, auth, mode, Math.floor((declared * 3) / 4));
      if (plan) arrivals.set(req.raw, plan);
    };
    registerMisc(npm, deps);
    registerSearch(npm, deps, states);
    registerLogin(npm, deps);
    registerTokens(npm, deps);
    registerProfile(npm, deps);
    registerPackageApi(npm, deps, states);
    registerOrgs(npm, deps);
    registerStars(npm, deps);
    registerAudit(npm, deps);
    registerNpmOidc(npm, deps);
    registerStage(npm, deps);

    // Replayed answers are also given to token holders the verified-token cache vouches for (auth.ts).
    const replayAs = { credentials: replayReader(deps) };
    npm.get("/npm/*", (req, reply) => handleRead(deps, states, req, reply, packagePath(req), replayAs));
    // The publish route reads its body with its own parser (publish-stream.ts): the tarball goes to a
    // spool file as it arrives instead of being held, with its JSON string and its decoded bytes, in memory.
    await npm.register(async (put) => {
      const tooLarge = () =>
        npmErrors.TOO_LARGE(
          `The request is larger than this registry accepts (packages up to ${Math.floor(deps.config.uploadLimitBytes / MB)} MB).`,
        );
      put.removeContentTypeParser("application/json");
      put.addContentTypeParser(
        "application/json",
        async (req: FastifyRequest, payload: AsyncIterable<Buffer>) => {
          if (Number(req.headers["content-length"] ?? 0) > publishLimit) throw tooLarge();
          const read = await readPublishStream(payload, spoolDir(deps.config.dataDir), {
            bodyBytes: publishLimit,
            tooLarge,
            arrivingTarball: arrivals.get(req.raw),
          });
          streamed.set(req.raw, read);
          return read.body;
        },
      );
      // Backstop for a response that ends without the handler's own clean-up (a client gone mid-way).
      put.addHook("onResponse", async (req) => {
        await streamed.get(req.raw)?.cleanup();
      });
      // `npm stage publish` sends the same body as `npm publish`, so it is read the same way.
      put.post(
        "/npm/-/stage/package/*",
        {
          preParsing: (req) => beforePublishBody(req, "stage", () => stagedPackageName(req)),
        },
        async (req: FastifyRequest, reply: FastifyReply) => {
          try {
            return await handleStagePublish(
              deps,
              req,
              reply,
              streamed.get(req.raw)?.attachments ?? new Map(),
            );
          } finally {
            await streamed.get(req.raw)?.cleanup();
          }
        },
      );
      put.put(
        "/npm/*",
        {
          preParsing: (req) =>
            beforePublishBody(req, "publish", () => {
              const p = packagePath(req);
              if (p.kind !== "package") throw npmErrors.NOT_FOUND();
              return parsePackageName(p.name);
            }),
        },
        async (req: FastifyRequest, reply: FastifyReply) => {
          try {
            return await handlePut(deps, states, req, reply, streamed.get(req.raw)?.attachments ?? new Map());
          } finally {
            await streamed.get(req.raw)?.cleanup();
          }
        },
      );
    });
    npm.delete("/npm/*", async (req, reply) => {
      const p = packagePath(req);
      const auth = await requireWriter(deps, req);
      if (p.kind === "rev") return handleDelete(deps, states, req, reply, p.name, p.rev, null, auth);
      if (p.kind === "tarball-rev")
        return handleDelete(deps, states, req, reply, p.name, p.rev, p.file, auth);
      throw npmErrors.NOT_FOUND();
    });
  });
}
