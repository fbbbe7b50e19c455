import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUser, validateUsername } from "../../accounts/index.js";
import { type Action, authorize, decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { normalizeName } from "../../ecosystems/pypi/index.js";
import { listProjectEvents } from "../../events/index.js";
import { refusal } from "../../lib/errors.js";
import {
  getRole,
  inviteMember,
  listMembers,
  loadProjectView,
  mfaRequirementOf,
  openInvitationsForProject,
  type ProjectView,
  packageErrors,
  parseMfaLevel,
  parseRole,
  removeMember,
  removeRelease,
  setMfaRequirement,
  yankRelease,
} from "../../packages/index.js";
import { listPublishers } from "../../trusted-publishing/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { checkFields, formFailure, readForm, requestContext } from "../forms.js";
import { manageHref } from "../hrefs.js";
import type { FormState } from "../pages/auth.js";
import { ManagePage } from "../pages/manage.js";
import type { ReleaseFormState } from "../pages/manage-releases.js";
import type { PublisherForms } from "../pages/publishers.js";
import { flashFailure, requireSudo, signedIn } from "./guards.js";
import { type PublisherHandlers, registerPublisherRoutes } from "./manage-publishers.js";
import { registerReleaseRoutes } from "./manage-release-routes.js";
import { stagingHandler, stagingState } from "./manage-staging.js";
import { publisherRows } from "./publisher-form.js";

type Req = FastifyRequest<{ Params: { name: string; version?: string; fileId?: string } }>;

/** What the npm package mount (manage-package.ts) dispatches to: the same handlers, given the view. */
export interface ManageHandlers {
  page(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
  invite(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
  settings(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
  removePerson(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
  staging(req: FastifyRequest, reply: FastifyReply, view: ProjectView): Promise<unknown>;
  publishers: PublisherHandlers;
}

/**
 * /manage/project/<name>/ (PyPI) and /manage/package/<name>/ (npm): people, publishing security,
 * releases (PyPI only: npm versions are deprecated and unpublished with the npm CLI) and history.
 * Owners act; maintainers look.
 */
export function registerManageRoutes(app: FastifyInstance, deps: Deps): ManageHandlers {
  const base = (v: ProjectView) => manageHref(v.project);

  async function load(name: string): Promise<ProjectView> {
    const view = await loadProjectView(deps.db, "pypi", normalizeName(name));
    if (!view) throw packageErrors.PROJECT_NOT_FOUND(`There is no project named '${name}'.`);
    return view;
  }

  /** Owner, maintainer (read-only) or a 403 page: the policy module decides, the page only renders. */
  async function access(auth: WebAuth, view: ProjectView, opts: { look?: boolean } = {}): Promise<boolean> {
    const d = await decide(
      deps.db,
      deps.config.origin,
      { userId: auth.user.id, emailVerified: auth.user.emailVerified },
      "manage-people",
      view.project,
      deps.clock.now(),
    );
    if (d.allow) return true;
    if (d.code === "NOT_AN_OWNER") return false;
    // A quarantined project is frozen for its own people, who may still look at it and read why.
    if (opts.look && d.code === "QUARANTINED" && (await getRole(deps.db, view.project.id, auth.user.id)))
      return false;
    throw refusal(d);
  }

  /** The one authorization of a POST: its grant goes to the mutator, which does not ask again. */
  const grantFor = (auth: WebAuth, view: ProjectView, action: Action) =>
    authorize(deps, { userId: auth.user.id, emailVerified: auth.user.emailVerified }, action, view.project);

  async function ownerOnly(auth: WebAuth, view: ProjectView): Promise<void> {
    if (!(await access(auth, view)))
      throw packageErrors.NOT_AN_OWNER(`Only owners of '${view.project.name}' can do that.`);
  }

  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    view: ProjectView,
    forms: {
      invite?: FormState;
      forms?: ReleaseFormState;
      settingsError?: string;
      stagingError?: string;
      publisherForms?: PublisherForms;
    } = {},
    status = 200,
  ) {
    const canManage = await access(auth, view, { look: true });
    const now = deps.clock.now();
    const requirement = (await mfaRequirementOf(deps.db, view.project.id)).level;
    const [members, invitations, events, publishers, staging] = await Promise.all([
      listMembers(deps.db, view.project.id),
      openInvitationsForProject(deps.db, now, view.project.id),
      listProjectEvents(deps.db, view.project.id),
      listPublishers(deps.db, view.project.id).then((list) => publisherRows(deps, list)),
      stagingState(deps, view.project),
    ]);
    const actorIds = new Set(
      events.map((e) => e.data.actor).filter((a): a is string => typeof a === "string"),
    );
    const usernames = new Map<string, string>();
    for (const id of actorIds) {
      const u = members.find((m) => m.userId === id) ?? (await getUser(deps.db, id));
      if (u) usernames.set(id, u.username);
    }
    return sendPage(
      deps,
      req,
      reply,
      `Manage ${view.project.name}`,
      (c) =>
        ManagePage(c, {
          requirement,
          project: view.project,
          canManage,
          viewerId: auth.user.id,
          members,
          invitations,
          releases: view.releases,
          events,
          usernames,
          publishers,
          staging,
          ...forms,
        }),
      status,
    );
  }

  /** Common prologue of every POST: signed in, project exists, caller is an owner. */
  async function prologue(req: Req, reply: FastifyReply) {
    const auth = signedIn(req, reply);
    if (!auth) return null;
    const view = await load(req.params.name);
    await ownerOnly(auth, view);
    return { auth, view };
  }

  async function ownerOf(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const auth = signedIn(req, reply);
    if (!auth) return null;
    await ownerOnly(auth, view);
    return { auth, view };
  }

  app.get<{ Params: { name: string } }>("/manage/project/:name", (req, reply) =>
    reply.redirect(`/manage/project/${encodeURIComponent(normalizeName(req.params.name))}/`, 301),
  );
  app.get<{ Params: { name: string } }>("/manage/project/:name/", async (req, reply) => {
    const view = await load(req.params.name);
    if (view.project.normalizedName !== req.params.name) return reply.redirect(base(view), 301);
    return handlers.page(req, reply, view);
  });
  app.post<{ Params: { name: string } }>("/manage/project/:name/invite", async (req, reply) =>
    handlers.invite(req, reply, await load(req.params.name)),
  );
  app.post<{ Params: { name: string } }>("/manage/project/:name/settings", async (req, reply) =>
    handlers.settings(req, reply, await load(req.params.name)),
  );
  app.post<{ Params: { name: string } }>("/manage/project/:name/staging", async (req, reply) =>
    handlers.staging(req, reply, await load(req.params.name)),
  );
  app.post<{ Params: { name: string } }>("/manage/project/:name/people/remove", async (req, reply) =>
    handlers.removePerson(req, reply, await load(req.params.name)),
  );

  async function page(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    return render(req, reply, auth, view);
  }

  async function invite(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const ok = await ownerOf(req, reply, view);
    if (!ok) return reply;
    const { auth } = ok;
    const sudoMsg = "Confirm your password, then send the invitation again.";
    if (!requireSudo(deps, auth, reply, `${base(view)}#people`, sudoMsg)) return reply;
    const form = readForm(req, ["username", "role"]);
    try {
      checkFields({
        username: () => validateUsername(form.username),
        role: () => parseRole(form.role),
      });
      await inviteMember(
        deps,
        requestContext(req),
        await grantFor(auth, view, "manage-people"),
        auth.user,
        view.project,
        form.username,
        parseRole(form.role),
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `We sent ${form.username.trim()} an invitation. They join when they accept it.`,
      });
      return reply.redirect(`${base(view)}#people`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return render(req, reply, auth, view, { invite: state }, status);
    }
  }

  async function settings(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const ok = await ownerOf(req, reply, view);
    if (!ok) return reply;
    const { auth } = ok;
    if (
      !requireSudo(
        deps,
        auth,
        reply,
        `${base(view)}#settings`,
        "Confirm it is you, then save the setting again.",
      )
    )
      return reply;
    const form = readForm(req, ["requirement"]);
    try {
      const level = parseMfaLevel(form.requirement);
      const grant = await grantFor(auth, view, "manage-settings");
      await setMfaRequirement(deps, requestContext(req), grant, view.project, { level });
      setFlash(deps, reply, { kind: "success", message: "Saved. It applies to the next publish." });
      return reply.redirect(`${base(view)}#settings`, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form);
      return render(
        req,
        reply,
        auth,
        view,
        { settingsError: state.errors?.requirement ?? state.error },
        status,
      );
    }
  }

  async function removePerson(req: FastifyRequest, reply: FastifyReply, view: ProjectView) {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const { user_id } = readForm(req, ["user_id"]);
    const self = user_id === auth.user.id;
    // Anyone may leave a project they are on (removeMember allows it); removing others is for owners.
    if (!self) await ownerOnly(auth, view);
    else await access(auth, view);
    const sudoMsg = "Confirm your password, then remove the person again.";
    if (!requireSudo(deps, auth, reply, `${base(view)}#people`, sudoMsg)) return reply;
    try {
      const grant = self ? "self" : await grantFor(auth, view, "manage-people");
      await removeMember(deps, requestContext(req), grant, auth.user, view.project, user_id);
      setFlash(deps, reply, {
        kind: "success",
        message: self ? `You left ${view.project.name}.` : "They were removed from the project.",
      });
      return reply.redirect(self ? "/account/projects" : `${base(view)}#people`, 303);
    } catch (e) {
      // The last owner cannot go (LAST_OWNER): the reason is shown on the page it was asked from.
      flashFailure(deps, reply, e);
      return reply.redirect(`${base(view)}#people`, 303);
    }
  }
  const publishers = registerPublisherRoutes(app, deps, { load, base, grantFor, ownerOnly, render });
  const staging = stagingHandler(deps, { base, grantFor, ownerOnly, render });
  const handlers: ManageHandlers = { page, invite, settings, removePerson, staging, publishers };
  registerReleaseRoutes(app, deps, { prologue, render, base, grantFor });

  return handlers;
}
