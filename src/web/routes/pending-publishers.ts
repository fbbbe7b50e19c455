import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authorize } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import type { EcosystemName } from "../../ecosystems/index.js";
import {
  addPendingPublisher,
  listPendingPublishers,
  MAX_PENDING_PER_ACCOUNT,
  type Provider,
  removePendingPublisher,
} from "../../trusted-publishing/index.js";
import { sendPage, setFlash, type WebAuth } from "../context.js";
import { formFailure, readForm, requestContext } from "../forms.js";
import { PendingPublishersPage } from "../pages/pending-publishers.js";
import type { PublisherForms } from "../pages/publishers.js";
import { flashFailure, requireSudo, signedIn } from "./guards.js";
import { checkPublisherForm, publisherRows, readPublisherForm } from "./publisher-form.js";

const PAGE = "/account/publishing";

/**
 * /account/publishing: the account's pending publishers (PyPI's model), which create a project on
 * their first publish. Adding one is as sensitive as creating a token that can create projects: sudo,
 * and authorize()'s "create-project" (verified email, mandates) on the account.
 */
export function registerPendingPublisherRoutes(app: FastifyInstance, deps: Deps): void {
  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    auth: WebAuth,
    forms: PublisherForms = {},
    status = 200,
  ) {
    const rows = await publisherRows(deps, await listPendingPublishers(deps.db, auth.user.id));
    return sendPage(
      deps,
      req,
      reply,
      "Pending publishers",
      (c) =>
        PendingPublishersPage(c, {
          rows,
          limit: MAX_PENDING_PER_ACCOUNT,
          forms,
          verified: auth.user.emailVerified,
        }),
      status,
    );
  }

  app.get(PAGE, async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    return render(req, reply, auth);
  });

  async function add(req: FastifyRequest, reply: FastifyReply, provider: Provider) {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    if (!requireSudo(deps, auth, reply, PAGE, "Confirm it is you, then add the publisher again."))
      return reply;
    const form = readPublisherForm(req, provider, true);
    try {
      await checkPublisherForm(deps, form, auth.user.id);
      const grant = await authorize(
        deps,
        { userId: auth.user.id, emailVerified: auth.user.emailVerified },
        "create-project",
        null,
        { ecosystem: form.values.ecosystem },
      );
      const p = await addPendingPublisher(
        deps,
        requestContext(req),
        grant,
        { ecosystem: form.values.ecosystem as EcosystemName, projectName: form.values.project_name! },
        form.spec,
      );
      setFlash(deps, reply, {
        kind: "success",
        message: `Added. The first publish from ${p.repository} (${p.workflow}) creates ${p.pendingProjectName}, owned by you.`,
      });
      return reply.redirect(PAGE, 303);
    } catch (e) {
      const { state, status } = formFailure(e, reply, form.values);
      return render(req, reply, auth, { [provider]: state }, status);
    }
  }
  app.post(`${PAGE}/add-github`, (req, reply) => add(req, reply, "github"));
  app.post(`${PAGE}/add-gitlab`, (req, reply) => add(req, reply, "gitlab"));

  app.post(`${PAGE}/remove`, async (req, reply) => {
    const auth = signedIn(req, reply);
    if (!auth) return reply;
    if (!requireSudo(deps, auth, reply, PAGE, "Confirm it is you, then remove the publisher again."))
      return reply;
    const { publisher_id } = readForm(req, ["publisher_id"]);
    try {
      const p = await removePendingPublisher(deps, requestContext(req), auth.user.id, publisher_id);
      setFlash(deps, reply, {
        kind: "success",
        message: `Removed the pending publisher of ${p.pendingProjectName}.`,
      });
    } catch (e) {
      flashFailure(deps, reply, e);
    }
    return reply.redirect(PAGE, 303);
  });
}
