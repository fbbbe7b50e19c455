import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.js";
import { ecosystemFor } from "../../ecosystems/index.js";
import { loadProjectView, packageErrors } from "../../packages/index.js";
import { manageHref } from "../hrefs.js";
import type { ManageHandlers } from "./manage.js";

const ACTIONS = [
  "invite",
  "settings",
  "staging",
  "people/remove",
  "publishers/add-github",
  "publishers/add-gitlab",
  "publishers/remove",
] as const;

/**
 * /manage/package/<name>/ and /manage/package/@scope/name/ for npm packages: the PyPI manage page's
 * handlers (people, publishing security, trusted publishers, security history) behind npm's URL shape. The raw path is
 * split and each segment decoded on its own (as in package.ts), so `%2f` cannot add a segment and
 * only a valid npm name is ever looked up.
 */
function parse(url: string): { name: string; action: string } | null {
  const path = url.split("?")[0]!;
  let segs: string[];
  try {
    segs = path.slice("/manage/package/".length).split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
  let name = segs.shift() ?? "";
  if (name.startsWith("@") && !name.includes("/")) name = `${name}/${segs.shift() ?? ""}`;
  if (!ecosystemFor("npm").isValidName(name)) return null;
  return { name, action: segs.join("/") };
}

export function registerManagePackageRoutes(app: FastifyInstance, deps: Deps, h: ManageHandlers): void {
  async function load(req: FastifyRequest) {
    const u = parse(req.url);
    const view = u && (await loadProjectView(deps.db, "npm", u.name));
    if (!u || !view) throw packageErrors.PROJECT_NOT_FOUND("There is no package at this address.");
    return { view, action: u.action };
  }

  app.get("/manage/package/*", async (req: FastifyRequest, reply: FastifyReply) => {
    const { view, action } = await load(req);
    const canonical = manageHref(view.project);
    if (action !== "" || req.url.split("?")[0] !== canonical) {
      if (action !== "") throw packageErrors.PROJECT_NOT_FOUND("There is no page at this address.");
      return reply.redirect(canonical, 301);
    }
    return h.page(req, reply, view);
  });

  app.post("/manage/package/*", async (req: FastifyRequest, reply: FastifyReply) => {
    const { view, action } = await load(req);
    if (action === "invite") return h.invite(req, reply, view);
    if (action === "settings") return h.settings(req, reply, view);
    if (action === "staging") return h.staging(req, reply, view);
    if (action === "people/remove") return h.removePerson(req, reply, view);
    if (action === "publishers/add-github") return h.publishers.add(req, reply, view, "github");
    if (action === "publishers/add-gitlab") return h.publishers.add(req, reply, view, "gitlab");
    if (action === "publishers/remove") return h.publishers.remove(req, reply, view);
    throw packageErrors.PROJECT_NOT_FOUND(`Use one of: ${ACTIONS.join(", ")}.`);
  });
}
