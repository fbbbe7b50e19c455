import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { authorize, decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { isAppError, reraise } from "../../lib/errors.js";
import { approvalKeyOptions, checkGuessable, factorSummary, verifyApprovalKey } from "../../mfa/index.js";
import { getProjectById, type Project } from "../../packages/index.js";
import {
  type ApprovalFactor,
  approveStaged,
  findStaged,
  listPending,
  rejectStaged,
  type StagedRelease,
  stagingErrors,
} from "../../staging/index.js";
import { sendPage, setFlash } from "../context.js";
import { webErrors } from "../errors.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import { projectHref } from "../hrefs.js";
import { type PendingList, StagedPage, type StagedPageState } from "../pages/staged.js";
import { signedIn } from "./guards.js";
import { answerErrorsAsJson } from "./webauthn.js";

/** At most this many pending releases are listed on a project page (the rest say how many more). */
export const PENDING_SHOWN = 10;

/**
 * The project's pending staged releases, for its page: only for a viewer whom decide() lets approve
 * them (a maintainer or owner); anyone else sees nothing of them, not even that some exist.
 */
export async function pendingForViewer(
  deps: Deps,
  req: FastifyRequest,
  project: Project,
): Promise<PendingList | null> {
  if (!req.auth) return null;
  const actor = { userId: req.auth.user.id, emailVerified: req.auth.user.emailVerified };
  const now = deps.clock.now();
  const d = await decide(deps.db, deps.config.origin, actor, "approve-staged", project, now);
  if (!d.allow) return null;
  const pending = await listPending(deps.db, {
    userId: actor.userId,
    projectId: project.id,
    now,
    limit: PENDING_SHOWN,
  });
  return pending.total > 0 ? { ...pending, keyRequired: d.stage?.phishingResistant === true } : null;
}

type Intent = "approve" | "reject";
const intentOf = (raw: unknown): Intent => (raw === "reject" ? "reject" : "approve");
const keyOptionsBody = z.object({ intent: z.enum(["approve", "reject"]) });

/**
 * What a key's challenge is bound to: this staged release and this decision. An assertion made for
 * rejecting release A therefore cannot approve A, nor decide release B (mfa/webauthn-approval.ts).
 */
const binding = (id: string, intent: Intent) => `staged:${intent}:${id}`;

/**
 * `/staged/<id>`: the page the owners' mail links to. Maintainers see the files and approve or reject
 * with a second factor given for this request: a security key or passkey first (a challenge bound to
 * the release and the decision, fetched by the page's script), else a code typed into the form
 * (checked now, spent once). Others get a 404.
 */
export function registerStagedRoutes(app: FastifyInstance, deps: Deps): void {
  async function load(id: string, userId: string, emailVerified: boolean) {
    const staged = await findStaged(deps.db, id);
    if (!staged) throw stagingErrors.NOT_FOUND();
    const project = await getProjectById(deps.db, staged.projectId);
    const actor = { userId, emailVerified };
    const d = await decide(deps.db, deps.config.origin, actor, "approve-staged", project, deps.clock.now());
    if (!d.allow || !project) throw stagingErrors.NOT_FOUND();
    // The page says what approval will demand (staging/decide.ts checks it again, with the grant).
    const keyRequired = staged.phishingResistant || d.stage?.phishingResistant === true;
    return { staged, project, actor, keyRequired };
  }

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    staged: StagedRelease,
    userId: string,
    keyRequired: boolean,
    extra: Partial<StagedPageState> = {},
    status = 200,
  ) {
    const f = await factorSummary(deps.db, userId);
    const state: StagedPageState = {
      staged,
      projectHref: projectHref({ name: staged.projectName, ecosystem: staged.ecosystem }),
      canDecide: staged.state === "staged" && staged.expiresAt > deps.clock.now(),
      hasTotp: f.totp !== null,
      hasKey: f.keys.length > 0,
      keyRequired,
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
    const { staged, keyRequired } = await load(req.params.id, auth.user.id, auth.user.emailVerified);
    return page(req, reply, staged, auth.user.id, keyRequired);
  });

  // The key's options, for the page's script: a fresh challenge for this release and this decision.
  void app.register(async (json) => {
    answerErrorsAsJson(json);
    json.post<{ Params: { id: string } }>("/staged/:id/key/options", async (req) => {
      if (!req.auth) throw webErrors.SIGNED_OUT();
      const parsed = keyOptionsBody.safeParse(req.body ?? {});
      if (!parsed.success) throw webErrors.BODY_INVALID();
      const { staged } = await load(req.params.id, req.auth.user.id, req.auth.user.emailVerified);
      if (staged.state !== "staged") throw stagingErrors.NOT_PENDING();
      return approvalKeyOptions(deps, req.auth.user, binding(staged.id, parsed.data.intent));
    });
  });

  app.post<{ Params: { id: string } }>("/staged/:id", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const { staged, project, actor, keyRequired } = await load(
      req.params.id,
      auth.user.id,
      auth.user.emailVerified,
    );
    const form = readForm(req, ["code", "intent", "challenge_id", "response"]);
    const intent = intentOf(form.intent);
    const ctx = requestContext(req);
    try {
      let factor: ApprovalFactor;
      if (form.challenge_id || form.response) {
        await checkKey(staged, intent, form, auth.user, ctx);
        factor = "webauthn";
      } else {
        const code = form.code.trim();
        if (!code)
          throw stagingErrors.SECOND_FACTOR_REQUIRED(
            keyRequired && intent === "approve"
              ? "Approve this release with your security key or passkey."
              : "Enter a code from your authenticator app or a recovery code, or use your security key.",
            { field: "code" },
          );
        // Refused before the code is tried: a code cannot approve this release, so none is spent on it.
        // Approval checks it again (staging/decide.ts); this is only where the message is said.
        if (keyRequired && intent === "approve")
          throw stagingErrors.PHISHING_RESISTANT_REQUIRED(
            "A code cannot approve this release: its project requires a security key or passkey. Use “Approve with security key” above.",
            { field: "code" },
          );
        factor = /^\d[\d\s]{5,7}$/.test(code) ? "totp" : "recovery";
        // The factor is checked for this request: rate-limited, each code spent once (mfa/guard.ts).
        await checkGuessable(deps, ctx, auth.user, { kind: factor, code });
      }
      const grant = await authorize(deps, actor, "approve-staged", project);
      const decision = { grant, factor };
      if (intent === "reject") await rejectStaged(deps, ctx, staged.id, decision);
      else await approveStaged(deps, ctx, staged.id, decision);
      setFlash(deps, reply, {
        kind: "success",
        message:
          intent === "reject"
            ? `${staged.projectName} ${staged.version} was rejected; its files are removed.`
            : `${staged.projectName} ${staged.version} is published.`,
      });
      return reply.redirect(`/staged/${staged.id}`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, { code: form.code, intent });
      const fresh = (await findStaged(deps.db, staged.id)) ?? staged;
      const codeError = state.errors?.code ?? state.errors?.recovery_code;
      const viaKey = Boolean(form.challenge_id || form.response);
      return page(
        req,
        reply,
        fresh,
        auth.user.id,
        keyRequired,
        viaKey
          ? { keyError: state.error ?? codeError }
          : { error: codeError ? undefined : state.error, codeError },
        status,
      );
    }
  });

  /** The key's answer, for the challenge this page's script fetched for this release and decision. */
  async function checkKey(
    staged: StagedRelease,
    intent: Intent,
    form: { challenge_id: string; response: string },
    user: Parameters<typeof verifyApprovalKey>[2],
    ctx: ReturnType<typeof requestContext>,
  ): Promise<void> {
    if (!form.challenge_id || !form.response) throw stagingErrors.KEY_ANSWER_INVALID();
    try {
      await verifyApprovalKey(deps, ctx, user, binding(staged.id, intent), {
        challengeId: form.challenge_id,
        response: form.response,
      });
    } catch (e) {
      // The shared wording speaks of signing in; here it is this release's confirmation that failed.
      if (isAppError(e) && e.code === "CHALLENGE_INVALID")
        throw reraise({
          status: e.status,
          code: e.code,
          message: stagingErrors.KEY_ANSWER_INVALID().message,
        });
      throw e;
    }
  }
}
