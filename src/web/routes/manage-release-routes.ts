import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Action, Grant } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { canonicalVersion } from "../../ecosystems/pypi/index.js";
import {
  type ProjectView,
  packageErrors,
  type Release,
  removeFile,
  removeRelease,
  yankRelease,
} from "../../packages/index.js";
import { setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import type { FormState } from "../pages/auth.js";
import type { ReleaseFormState } from "../pages/manage-releases.js";
import { requireSudo } from "./guards.js";

type Req = FastifyRequest<{ Params: { name: string; version?: string; fileId?: string } }>;

/** What the manage page's release forms share with it (manage.ts): the owner check and the page. */
export interface ManageKit {
  prologue(req: Req, reply: FastifyReply): Promise<{ auth: WebAuth; view: ProjectView } | null>;
  render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    view: ProjectView,
    forms?: { invite?: FormState; forms?: ReleaseFormState; settingsError?: string },
    status?: number,
  ): Promise<unknown>;
  base(view: ProjectView): string;
  /** The one authorization of a POST: its grant goes to the mutator, which does not ask again. */
  grantFor(auth: WebAuth, view: ProjectView, action: Action): Promise<Grant>;
}

/**
 * PyPI releases on /manage/project/<name>/: yank and un-yank (PEP 592), delete a release or one file.
 * npm packages have none of these here: their versions are deprecated, re-tagged or unpublished with
 * the npm CLI (protocols/npm), under npm's own rules.
 */
export function registerReleaseRoutes(app: FastifyInstance, deps: Deps, kit: ManageKit): void {
  const { prologue, render, base, grantFor } = kit;

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
          const grant = await grantFor(auth, view, "yank");
          await yankRelease(deps, requestContext(req), grant, auth.user, view.project, release, reason, yank);
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
      const grant = await grantFor(auth, view, "delete");
      await removeRelease(deps, requestContext(req), grant, auth.user, view.project, release);
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
      const grant = await grantFor(auth, view, "delete");
      await removeFile(deps, requestContext(req), grant, auth.user, view.project, release, file.id);
      setFlash(deps, reply, {
        kind: "success",
        message: `${file.filename} was deleted. Its name cannot be reused.`,
      });
      return reply.redirect(`${base(view)}#releases`, 303);
    },
  );
}
