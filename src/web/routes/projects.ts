import type { FastifyInstance } from "fastify";
import { getUser } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { offsetPage, toPage } from "../../lib/paging.js";
import {
  acceptInvitation,
  declineInvitation,
  openInvitationsForUser,
  projectsOfUserPage,
} from "../../packages/index.js";
import { sendPage, setFlash } from "../context.js";
import { requestContext } from "../forms.js";
import { YourProjectsPage } from "../pages/your-projects.js";
import { flashFailure, queryParam, signedIn } from "./guards.js";

/** /account/projects: the projects a person has a role on, and the invitations waiting for them. */
export function registerYourProjectsRoutes(app: FastifyInstance, deps: Deps): void {
  app.get("/account/projects", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    const at = offsetPage(queryParam(req, "page"), 50);
    const [rows, open] = await Promise.all([
      projectsOfUserPage(deps.db, auth.user.id, at),
      openInvitationsForUser(deps.db, deps.clock.now(), auth.user.id),
    ]);
    const page = toPage(rows, at);
    const invitations = await Promise.all(
      open.map(async (inv) => ({
        ...inv,
        inviterName: (await getUser(deps.db, inv.invitedBy))?.username ?? null,
      })),
    );
    return sendPage(deps, req, reply, "Your projects", (c) =>
      YourProjectsPage(c, { projects: page.items, invitations, page }),
    );
  });

  app.post<{ Params: { id: string } }>("/account/invitations/:id/accept", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    try {
      const name = await acceptInvitation(deps, requestContext(req), auth.user, req.params.id);
      setFlash(deps, reply, { kind: "success", message: `You joined ${name}.` });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect("/account/projects", 303);
  });

  app.post<{ Params: { id: string } }>("/account/invitations/:id/decline", async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    try {
      await declineInvitation(deps, requestContext(req), auth.user, req.params.id);
      setFlash(deps, reply, { kind: "info", message: "You declined the invitation." });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect("/account/projects", 303);
  });
}
