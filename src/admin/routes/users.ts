import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { plural } from "../../lib/plural.js";
import { formFailure, queryParam, readForm, sendPage, setFlash } from "../../web/index.js";
import { auditActor } from "../guard.js";
import { userPath } from "../pages/action-form.js";
import { type UserAction, UserPage, type UserPageState, UsersPage } from "../pages/users.js";
import {
  freezeUser,
  parseUserCursor,
  resetUserMfa,
  revokeCredentials,
  searchUsers,
  unfreezeUser,
  userDetail,
} from "../users.js";

type UserReq = FastifyRequest<{ Params: { username: string } }>;

/** What each action form does and what the admin is told when it worked. */
const ACTIONS: Record<UserAction, (deps: Deps, req: UserReq, reason: string) => Promise<string>> = {
  freeze: async (deps, req, reason) => {
    const r = await freezeUser(deps, auditActor(req), req.params.username, reason);
    return `${req.params.username} is frozen; ${plural(r.sessionsEnded, "session")} ended.`;
  },
  unfreeze: async (deps, req, reason) => {
    await unfreezeUser(deps, auditActor(req), req.params.username, reason);
    return `${req.params.username} is unfrozen and can sign in again.`;
  },
  "reset-mfa": async (deps, req, reason) => {
    await resetUserMfa(deps, auditActor(req), req.params.username, reason);
    return `Every second factor of ${req.params.username} was removed; they were signed out and emailed.`;
  },
  revoke: async (deps, req, reason) => {
    const r = await revokeCredentials(deps, auditActor(req), req.params.username, reason);
    return `${req.params.username} was signed out: ${plural(r.sessions, "session")}, ${plural(r.tokens, "API token")} and ${plural(r.browsers, "remembered browser")} revoked.`;
  },
};

/** /admin/users: search accounts, look at one, and act on it (every action audited with its reason). */
export function registerUserAdminRoutes(app: FastifyInstance, deps: Deps): void {
  async function detailPage(
    req: UserReq,
    reply: FastifyReply,
    forms: UserPageState["forms"] = {},
    status = 200,
  ) {
    const detail = await userDetail(deps, req.params.username, queryParam(req, "events_before").slice(0, 64));
    const self = detail.user.id === auditActor(req).id;
    return sendPage(
      deps,
      req,
      reply,
      `${detail.user.username} · Users`,
      (c) => UserPage(c, { detail, self, forms }),
      status,
    );
  }

  app.get("/admin/users", async (req, reply) => {
    const q = queryParam(req, "q").slice(0, 254);
    const cursor = parseUserCursor(queryParam(req, "after"), queryParam(req, "before"));
    const page = await searchUsers(deps.db, q, cursor);
    return sendPage(deps, req, reply, "Users", (c) => UsersPage(c, { q, ...page }));
  });

  app.get<{ Params: { username: string } }>("/admin/users/:username", (req, reply) => detailPage(req, reply));

  for (const [name, run] of Object.entries(ACTIONS) as Array<[UserAction, (typeof ACTIONS)[UserAction]]>) {
    app.post<{ Params: { username: string } }>(`/admin/users/:username/${name}`, async (req, reply) => {
      const form = readForm(req, ["reason"]);
      try {
        const message = await run(deps, req, form.reason);
        setFlash(deps, reply, { kind: "success", message });
        return reply.redirect(userPath(req.params.username), 303);
      } catch (e) {
        const { state, status } = formFailure(e, reply, form);
        // An unknown account is a 404 page, not a form to fix.
        if (status === 404) throw e;
        return detailPage(req, reply, { [name]: state }, status);
      }
    });
  }
}
