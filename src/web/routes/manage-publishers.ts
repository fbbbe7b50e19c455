import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import type { ProjectView } from "../../packages/index.js";
import {
  addProjectPublisher,
  type Provider,
  removeProjectPublisher,
} from "../../trusted-publishing/index.js";
import { setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import type { PublisherForms } from "../pages/publishers.js";
import { flashFailure, requireSudo, signedIn } from "./guards.js";
import type { ManageKit } from "./manage-release-routes.js";
import { checkPublisherForm, readPublisherForm } from "./publisher-form.js";

type Kit = Pick<ManageKit, "base" | "grantFor"> & {
  load(name: string): Promise<ProjectView>;
  ownerOnly(auth: WebAuth, view: ProjectView): Promise<void>;
  render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    view: ProjectView,
    forms: { publisherForms: PublisherForms },
    status: number,
  ): Promise<unknown>;
};

export interface PublisherHandlers {
  add(req: FastifyRequest, reply: FastifyReply, view: ProjectView, provider: Provider): Promise<unknown>;
  remove(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
}

/**
 * The manage page's trusted publishers: owners add (GitHub or GitLab form) and remove, under sudo like
 * every project setting; authorize()'s "manage-settings" grant goes to the domain, which mails every
 * owner. PyPI routes here; npm packages reach the same handlers through manage-package.ts.
 */
export function registerPublisherRoutes(app: FastifyInstance, deps: Deps, kit: Kit): PublisherHandlers {
  const { base, grantFor, render, ownerOnly } = kit;
  const by = (auth: WebAuth) => ({ username: auth.user.username, via: "on the web" });

  async function prologue(req: FastifyRequest, reply: FastifyReply, view: ProjectView, again: string) {
    const auth = signedIn(req, reply);
    if (!auth) return null;
    await ownerOnly(auth, view);
    if (
      !requireSudo(deps, auth, reply, `${base(view)}#publishing`, `Confirm it is you, then ${again} again.`)
    )
      return null;
    return auth;
  }

  async function add(req: FastifyRequest, reply: FastifyReply, view: ProjectView, provider: Provider) {
    const auth = await prologue(req, reply, view, "add the publisher");
    if (!auth) return reply;
    const form = readPublisherForm(req, provider);
    try {
      await checkPublisherForm(deps, form);
      const grant = await grantFor(auth, view, "manage-settings");
      await addProjectPublisher(deps, requestContext(req), grant, view.project, form.spec, by(auth));
      setFlash(deps, reply, {
        kind: "success",
        message: `Added. ${form.spec.repository} can now publish ${view.project.name} from ${form.spec.workflow}; its ids are pinned on first use.`,
      });
      return reply.redirect(`${base(view)}#publishing`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form.values);
      return render(req, reply, auth, view, { publisherForms: { [provider]: state } }, status);
    }
  }

  async function remove(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const auth = await prologue(req, reply, view, "remove the publisher");
    if (!auth) return reply;
    const { publisher_id } = readForm(req, ["publisher_id"]);
    try {
      const grant = await grantFor(auth, view, "manage-settings");
      const p = await removeProjectPublisher(
        deps,
        requestContext(req),
        grant,
        view.project,
        publisher_id,
        by(auth),
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `Removed. ${p.repository} (${p.workflow}) can no longer publish ${view.project.name}; tokens it was given are revoked.`,
      });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect(`${base(view)}#publishing`, 303);
  }

  for (const provider of ["github", "gitlab"] as const)
    app.post<{ Params: { name: string } }>(
      `/manage/project/:name/publishers/add-${provider}`,
      async (req, reply) => add(req, reply, await kit.load(req.params.name), provider),
    );
  app.post<{ Params: { name: string } }>("/manage/project/:name/publishers/remove", async (req, reply) =>
    remove(req, reply, await kit.load(req.params.name)),
  );
  return { add, remove };
}
