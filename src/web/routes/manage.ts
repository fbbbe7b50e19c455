import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getUser } from "../../accounts/index.js";
import { decide, getMfaRequirement, setMfaRequirement } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { canonicalVersion, normalizeName } from "../../ecosystems/pypi/index.js";
import { listProjectEvents } from "../../events/index.js";
import { refusal } from "../../lib/errors.js";
import {
  inviteMember,
  listMembers,
  loadProjectView,
  openInvitationsForProject,
  type ProjectView,
  packageErrors,
  parseRole,
  type Release,
  removeFile,
  removeMember,
  removeRelease,
  yankRelease,
} from "../../packages/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import type { FormState } from "../pages/auth.js";
import { ManagePage } from "../pages/manage.js";
import type { ReleaseFormState } from "../pages/manage-releases.js";
import { flashFailure, requireSudo, signedIn } from "./guards.js";

type Req = FastifyRequest<{ Params: { name: string; version?: string; fileId?: string } }>;

/** /manage/project/<name>/: people, releases and history. Owners act; maintainers look. */
export function registerManageRoutes(app: FastifyInstance, deps: Deps): void {
  const base = (v: ProjectView) => `/manage/project/${v.project.normalizedName}/`;

  async function load(name: string): Promise<ProjectView> {
    const view = await loadProjectView(deps.db, "pypi", normalizeName(name));
    if (!view) throw packageErrors.PROJECT_NOT_FOUND(`There is no project named '${name}'.`);
    return view;
  }

  /** Owner, maintainer (read-only) or a 403 page: the policy module decides, the page only renders. */
  async function access(auth: WebAuth, view: ProjectView): Promise<boolean> {
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
    throw refusal(d);
  }

  async function ownerOnly(auth: WebAuth, view: ProjectView): Promise<void> {
    if (!(await access(auth, view)))
      throw packageErrors.NOT_AN_OWNER(`Only owners of '${view.project.name}' can do that.`);
  }

  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    view: ProjectView,
    forms: { invite?: FormState; forms?: ReleaseFormState; settingsError?: string } = {},
    status = 200,
  ) {
    const canManage = await access(auth, view);
    const now = deps.clock.now();
    const requirement = await getMfaRequirement(deps, view.project.id);
    const [members, invitations, events] = await Promise.all([
      listMembers(deps.db, view.project.id),
      openInvitationsForProject(deps.db, now, view.project.id),
      listProjectEvents(deps.db, view.project.id),
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
          ...forms,
        }),
      status,
    );
  }

  function findRelease(view: ProjectView, version: string): Release {
    let wanted: string;
    try {
      wanted = canonicalVersion(version);
    } catch {
      throw packageErrors.RELEASE_NOT_FOUND(`'${version}' is not a version.`);
    }
    const r = view.releases.find((x) => x.canonicalVersion === wanted);
    if (!r) throw packageErrors.RELEASE_NOT_FOUND(`${view.project.name} has no release ${version}.`);
    return r;
  }

  /** Common prologue of every POST: signed in, project exists, caller is an owner. */
  async function prologue(req: Req, reply: FastifyReply) {
    const auth = signedIn(req, reply);
    if (!auth) return null;
    const view = await load(req.params.name);
    await ownerOnly(auth, view);
    return { auth, view };
  }

  app.get<{ Params: { name: string } }>("/manage/project/:name", (req, reply) =>
    reply.redirect(`/manage/project/${encodeURIComponent(normalizeName(req.params.name))}/`, 301),
  );
  app.get<{ Params: { name: string } }>("/manage/project/:name/", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const view = await load(req.params.name);
    if (view.project.normalizedName !== req.params.name) return reply.redirect(base(view), 301);
    return render(req, reply, auth, view);
  });

  app.post<{ Params: { name: string } }>("/manage/project/:name/invite", async (req, reply) => {
    const ok = await prologue(req, reply);
    if (!ok) return reply;
    const { auth, view } = ok;
    const sudoMsg = "Confirm your password, then send the invitation again.";
    if (!requireSudo(deps, auth, reply, `${base(view)}#people`, sudoMsg)) return reply;
    const form = readForm(req, ["username", "role"]);
    try {
      await inviteMember(
        deps,
        requestContext(req),
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
  });

  app.post<{ Params: { name: string } }>("/manage/project/:name/settings", async (req, reply) => {
    const ok = await prologue(req, reply);
    if (!ok) return reply;
    const { auth, view } = ok;
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
      await setMfaRequirement(deps, requestContext(req), auth.user, view.project, form.requirement);
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
  });

  app.post<{ Params: { name: string } }>("/manage/project/:name/people/remove", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const view = await load(req.params.name);
    const { user_id } = readForm(req, ["user_id"]);
    const self = user_id === auth.user.id;
    // Anyone may leave a project they are on (removeMember allows it); removing others is for owners.
    if (!self) await ownerOnly(auth, view);
    else await access(auth, view);
    const sudoMsg = "Confirm your password, then remove the person again.";
    if (!requireSudo(deps, auth, reply, `${base(view)}#people`, sudoMsg)) return reply;
    try {
      await removeMember(deps, requestContext(req), auth.user, view.project, user_id);
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
  });

  for (const yank of [true, false]) {
    app.post<{ Params: { name: string; version: string } }>(
      `/manage/project/:name/release/:version/${yank ? "yank" : "unyank"}`,
      async (req, reply) => {
        const ok = await prologue(req, reply);
        if (!ok) return reply;
        const { auth, view } = ok;
        const release = findRelease(view, req.params.version);
        // The un-yank form has no reason field: readForm gives "".
        const { reason } = readForm(req, ["reason"]);
        try {
          await yankRelease(deps, requestContext(req), auth.user, view.project, release, reason, yank);
          setFlash(deps, reply, {
            kind: "success",
            message: yank
              ? `${release.version} is yanked: pip skips it unless it is pinned exactly.`
              : `${release.version} is no longer yanked.`,
          });
          return reply.redirect(`${base(view)}#releases`, 303);
        } catch (e) {
          const { state, status } = formFailure(e, reply, { reason });
          const forms = { release: { version: release.version, form: "yank" as const, state } };
          return render(req, reply, auth, view, { forms }, status);
        }
      },
    );
  }

  app.post<{ Params: { name: string; version: string } }>(
    "/manage/project/:name/release/:version/delete",
    async (req, reply) => {
      const ok = await prologue(req, reply);
      if (!ok) return reply;
      const { auth, view } = ok;
      const release = findRelease(view, req.params.version);
      const sudoMsg = "Confirm your password, then delete the release again.";
      if (!requireSudo(deps, auth, reply, `${base(view)}#releases`, sudoMsg)) return reply;
      const { confirm } = readForm(req, ["confirm"]);
      if (confirm.trim() !== release.version) {
        const state = { errors: { confirm: `Type the version “${release.version}” exactly to delete it.` } };
        const forms = { release: { version: release.version, form: "delete" as const, state } };
        return render(req, reply, auth, view, { forms }, 400);
      }
      await removeRelease(deps, requestContext(req), auth.user, view.project, release);
      setFlash(deps, reply, {
        kind: "success",
        message: `Release ${release.version} and its files were deleted. Their file names cannot be reused.`,
      });
      return reply.redirect(`${base(view)}#releases`, 303);
    },
  );

  app.post<{ Params: { name: string; fileId: string } }>(
    "/manage/project/:name/file/:fileId/delete",
    async (req, reply) => {
      const ok = await prologue(req, reply);
      if (!ok) return reply;
      const { auth, view } = ok;
      const release = view.releases.find((r) => r.files.some((f) => f.id === req.params.fileId));
      const file = release?.files.find((f) => f.id === req.params.fileId);
      if (!release || !file) throw packageErrors.FILE_NOT_FOUND("No such file in this project.");
      const sudoMsg = "Confirm your password, then delete the file again.";
      if (!requireSudo(deps, auth, reply, `${base(view)}#releases`, sudoMsg)) return reply;
      const { confirm } = readForm(req, ["confirm"]);
      if (confirm.trim() !== file.filename) {
        const state = { errors: { confirm: `Type the file name “${file.filename}” exactly to delete it.` } };
        return render(req, reply, auth, view, { forms: { file: { fileId: file.id, state } } }, 400);
      }
      await removeFile(deps, requestContext(req), auth.user, view.project, release, file.id);
      setFlash(deps, reply, {
        kind: "success",
        message: `${file.filename} was deleted. Its name cannot be reused.`,
      });
      return reply.redirect(`${base(view)}#releases`, 303);
    },
  );
}
