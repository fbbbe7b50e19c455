import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authorize, decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { checkGuessable, factorSummary } from "../../mfa/index.js";
import { getProjectById } from "../../packages/index.js";
import {
  approveStaged,
  findStaged,
  rejectStaged,
  type StagedRelease,
  stagingErrors,
} from "../../staging/index.js";
import { sendPage, setFlash } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import { projectHref } from "../hrefs.js";
import { StagedPage, type StagedPageState } from "../pages/staged.js";
import { signedIn } from "./guards.js";

/**
 * `/staged/<id>`: the page the owners' mail links to. Maintainers see the files and approve or reject
 * with a second factor typed into this form (checked now, spent once); others get a 404.
 */
export function registerStagedRoutes(app: FastifyInstance, deps: Deps): void {
  async function load(
    req: FastifyRequest<{ Params: { id: string } }>,
    userId: string,
    emailVerified: boolean,
  ) {
    const staged = await findStaged(deps.db, req.params.id);
    if (!staged) throw stagingErrors.NOT_FOUND();
    const project = await getProjectById(deps.db, staged.projectId);
    const actor = { userId, emailVerified };
    const d = await decide(deps.db, deps.config.origin, actor, "approve-staged", project, deps.clock.now());
    if (!d.allow || !project) throw stagingErrors.NOT_FOUND();
    return { staged, project, actor };
  }

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    staged: StagedRelease,
    userId: string,
    extra: Partial<StagedPageState> = {},
    status = 200,
  ) {
    const f = await factorSummary(deps.db, userId);
    const state: StagedPageState = {
      staged,
      projectHref: projectHref({ name: staged.projectName, ecosystem: staged.ecosystem }),
      canDecide: staged.state === "staged" && staged.expiresAt > deps.clock.now(),
      hasTotp: f.totp !== null,
      origin: deps.config.origin,
      ...extra,
    };
    return sendPage(
      deps,
      req,
      reply,
      `${staged.projectName} ${staged.version} (staged)`,
      (c) => StagedPage(c, state),
      status,
    );
  }

  app.get<{ Params: { id: string } }>("/staged/:id", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const { staged } = await load(req, auth.user.id, auth.user.emailVerified);
    return page(req, reply, staged, auth.user.id);
  });

  app.post<{ Params: { id: string } }>("/staged/:id", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const { staged, project, actor } = await load(req, auth.user.id, auth.user.emailVerified);
    const form = readForm(req, ["code", "intent"]);
    try {
      const code = form.code.trim();
      if (!code) throw stagingErrors.SECOND_FACTOR_REQUIRED();
      const kind = /^\d[\d\s]{5,7}$/.test(code) ? ("totp" as const) : ("recovery" as const);
      // The factor is checked for this request: rate-limited, each code spent once (mfa/guard.ts).
      await checkGuessable(deps, requestContext(req), auth.user, { kind, code });
      const grant = await authorize(deps, actor, "approve-staged", project);
      const decision = { grant, factor: kind };
      if (form.intent === "reject") await rejectStaged(deps, requestContext(req), staged.id, decision);
      else await approveStaged(deps, requestContext(req), staged.id, decision);
      setFlash(deps, reply, {
        kind: "success",
        message:
          form.intent === "reject"
            ? `${staged.projectName} ${staged.version} was rejected; its files are removed.`
            : `${staged.projectName} ${staged.version} is published.`,
      });
      return reply.redirect(`/staged/${staged.id}`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      const fresh = (await findStaged(deps.db, staged.id)) ?? staged;
      const codeError = state.errors?.code ?? state.errors?.recovery_code;
      return page(
        req,
        reply,
        fresh,
        auth.user.id,
        { error: codeError ? undefined : state.error, codeError },
        status,
      );
    }
  });
}
