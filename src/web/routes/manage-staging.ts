import type { FastifyReply, FastifyRequest } from "fastify";
import { stagingVerdict } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { policyProject } from "../../mandates/index.js";
import {
  type Project,
  type ProjectView,
  setStageRequirement,
  stageRequirementOf,
} from "../../packages/index.js";
import { setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import { manageHref } from "../hrefs.js";
import type { StagingState } from "../pages/manage-staging.js";
import { requireSudo, signedIn } from "./guards.js";
import type { ManageKit } from "./manage-release-routes.js";

type Kit = Pick<ManageKit, "base" | "grantFor"> & {
  ownerOnly(auth: WebAuth, view: ProjectView): Promise<void>;
  render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    view: ProjectView,
    forms: { stagingError?: string },
    status: number,
  ): Promise<unknown>;
};

/** The rule and, apart, what the enforced mandates impose (the page says when that is stronger). */
export async function stagingState(deps: Deps, project: Project): Promise<StagingState> {
  const rule = await stageRequirementOf(deps.db, project.id);
  const target = await policyProject(deps.db, project.id);
  // The mandates alone: the project's own rule left out, so the page can compare the two.
  const m = target
    ? await stagingVerdict(
        deps.db,
        true,
        { ...target, requireStaging: "none" },
        project.name,
        deps.clock.now(),
      )
    : null;
  return {
    rule,
    mandate: m ? { level: m.phishingResistant ? "phishing-resistant" : "any", reason: m.reason } : null,
  };
}

/**
 * POST <manage page>/staging: owners set the "stage uploads" rule under sudo, like every project
 * setting; authorize()'s "manage-settings" grant goes to the domain, which records and mails it.
 */
export function stagingHandler(deps: Deps, kit: Kit) {
  return async (req: FastifyRequest, reply: FastifyReply, view: ProjectView) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    await kit.ownerOnly(auth, view);
    const again = "Confirm it is you, then save the staging rule again.";
    if (!requireSudo(deps, auth, reply, `${kit.base(view)}#staging`, again)) return reply;
    const form = readForm(req, ["stage"]);
    try {
      const grant = await kit.grantFor(auth, view, "manage-settings");
      const { changed } = await setStageRequirement(
        deps,
        requestContext(req),
        grant,
        view.project,
        form.stage,
        {
          username: auth.user.username,
          managePath: manageHref(view.project),
        },
      );
      setFlash(deps, reply, {
        kind: "success",
        message: changed ? "Saved. It applies to the next upload." : "Nothing changed.",
      });
      return reply.redirect(`${kit.base(view)}#staging`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return kit.render(req, reply, auth, view, { stagingError: state.errors?.stage ?? state.error }, status);
    }
  };
}
