import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { factorSummary } from "../../mfa/index.js";
import type { Project } from "../../packages/index.js";
import {
  addProjectPublisher,
  listPublishers,
  type PublisherSpec,
  removeProjectPublisher,
  type TrustedPublisher,
} from "../../trusted-publishing/index.js";
import { type NpmAuth, requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { loadPackageView } from "./package-view.js";
import { requireSecondFactor } from "./second-factor.js";
import { allow } from "./writes.js";

/*
 * `npm trust github|gitlab|list|revoke` (npm 11, lib/commands/trust/): `/-/package/<name>/trust`.
 *  - POST a list of one configuration: {type, claims, permissions}. GitHub's claims are
 *    {repository, workflow_ref: {file}, environment?}; GitLab's {project_path, ci_config_ref_uri:
 *    {file}, environment?}. The CLI prints back what the response says (id, type, claims).
 *  - GET lists them in the same shape; DELETE `/trust/<id>` revokes one.
 * The CLI wraps each in otplease: a 401 with `www-authenticate: OTP` makes it ask for a code (or open
 * the browser hand-off when the body has authUrl/doneUrl). npm's own registry requires 2FA on the
 * account for these, so Wharf does too, and asks the second factor on every one of them.
 */

const File = z.object({ file: z.string().min(1).max(500) });
const Env = z.string().max(255).optional();
const GitHub = z.object({ repository: z.string().min(1).max(200), workflow_ref: File, environment: Env });
const GitLab = z.object({
  project_path: z.string().min(1).max(500),
  ci_config_ref_uri: File,
  environment: Env,
});
const Config = z.object({
  type: z.string(),
  claims: z.record(z.string(), z.unknown()),
  permissions: z.array(z.string()).max(10).optional(),
});
const Body = z.array(Config).length(1);

/** npm's permission words (trust-cmd.js PERMISSIONS). */
const PERMISSIONS = ["createPackage", "createStagedPackage"];

function specOf(body: unknown): PublisherSpec {
  const parsed = Body.safeParse(body);
  if (!parsed.success)
    throw npmErrors.BODY_INVALID(
      "Send one trust configuration [{type, claims, permissions}], as npm trust does.",
    );
  const c = parsed.data[0]!;
  const unknownPermission = (c.permissions ?? []).find((p) => !PERMISSIONS.includes(p));
  if (unknownPermission)
    throw npmErrors.BODY_INVALID(`Unknown permission '${unknownPermission}': use --allow-publish.`);
  // A Wharf publisher publishes directly. Fail closed: a configuration meant to stage only must not
  // become one that publishes, so it is refused rather than widened.
  if (!c.permissions?.includes("createPackage"))
    throw npmErrors.UNSUPPORTED(
      "Trusted publishers on this registry publish directly: add --allow-publish (stage-only publishers are not supported).",
    );
  if (c.type === "github") {
    const g = GitHub.safeParse(c.claims);
    if (!g.success)
      throw npmErrors.BODY_INVALID(
        "A GitHub configuration needs claims.repository and claims.workflow_ref.file.",
      );
    return {
      provider: "github",
      repository: g.data.repository,
      workflow: g.data.workflow_ref.file,
      environment: g.data.environment ?? null,
    };
  }
  if (c.type === "gitlab") {
    const g = GitLab.safeParse(c.claims);
    if (!g.success)
      throw npmErrors.BODY_INVALID(
        "A GitLab configuration needs claims.project_path and claims.ci_config_ref_uri.file.",
      );
    return {
      provider: "gitlab",
      repository: g.data.project_path,
      workflow: g.data.ci_config_ref_uri.file,
      environment: g.data.environment ?? null,
    };
  }
  throw npmErrors.UNSUPPORTED(
    `This registry trusts GitHub Actions and GitLab CI/CD publishers, not '${c.type}': use npm trust github or npm trust gitlab.`,
  );
}

/** A publisher as `npm trust list` reads it back (trust-cmd.js bodyToOptions). */
export function trustConfigOf(p: TrustedPublisher): Record<string, unknown> {
  const env = p.environment ? { environment: p.environment } : {};
  const claims =
    p.provider === "github"
      ? { repository: p.repository, workflow_ref: { file: p.workflow }, ...env }
      : { project_path: p.repository, ci_config_ref_uri: { file: p.workflow }, ...env };
  return { id: p.id, type: p.provider, claims, permissions: ["createPackage"] };
}

export function trustRoutes(deps: Deps) {
  /** npm's registry requires the package to exist; a new one gets a pending publisher instead. */
  async function packageNamed(name: string): Promise<Project> {
    const v = await loadPackageView(deps.db, name);
    if (!v)
      throw npmErrors.PACKAGE_NOT_FOUND(
        `No package named '${name}' on this registry. To let a workflow create it on its first publish, add a pending publisher at ${deps.config.origin}/account/publishing`,
      );
    return v.project;
  }

  /** Owners only, with a second factor enrolled; asked before the body is looked at twice. */
  async function owner(auth: NpmAuth, project: Project, what: string, req: FastifyRequest) {
    const grant = await allow(deps, auth, "manage-settings", project);
    if (!(await factorSummary(deps.db, auth.user.id)).enrolled)
      throw npmErrors.TFA_REQUIRED(
        `Trusted publishing needs two-factor authentication on your account: enable it with \`npm profile enable-2fa auth-and-writes\` or at ${deps.config.origin}/account/two-factor`,
      );
    await requireSecondFactor(deps, req, auth.user, auth.token, { kind: "auth", description: what, project });
    return grant;
  }
  const via = (auth: NpmAuth, command: string) => ({
    username: auth.user.username,
    via: `with ${command}`,
  });

  return {
    async list(req: FastifyRequest, name: string) {
      const auth = await requireAuth(deps, req);
      const project = await packageNamed(name);
      await owner(auth, project, `list the trusted publishers of ${project.name}`, req);
      return (await listPublishers(deps.db, project.id)).map(trustConfigOf);
    },

    async add(req: FastifyRequest, reply: FastifyReply, name: string) {
      const auth = await requireWriter(deps, req);
      const project = await packageNamed(name);
      const spec = specOf(req.body);
      const grant = await owner(
        auth,
        project,
        `trust ${spec.provider === "github" ? "GitHub" : "GitLab"} ${spec.repository} ${spec.workflow} to publish ${project.name}`,
        req,
      );
      const p = await addProjectPublisher(
        deps,
        requestContext(req),
        grant,
        project,
        spec,
        via(auth, "npm trust"),
      );
      return reply.status(201).send([trustConfigOf(p)]);
    },

    async revoke(req: FastifyRequest, reply: FastifyReply, name: string, id: string) {
      const auth = await requireWriter(deps, req);
      const project = await packageNamed(name);
      const grant = await owner(auth, project, `revoke the trusted publisher ${id} of ${project.name}`, req);
      await removeProjectPublisher(
        deps,
        requestContext(req),
        grant,
        project,
        id,
        via(auth, "npm trust revoke"),
      );
      return reply.status(204).send();
    },
  };
}
