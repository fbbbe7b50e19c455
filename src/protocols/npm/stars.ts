import type { FastifyInstance, FastifyReply } from "fastify";
import { getUserByUsername } from "../../accounts/index.js";
import type { Deps } from "../../deps.js";
import { setStar, starsOfUser } from "../../packages/index.js";
import type { NpmAuth } from "./auth.js";
import { npmErrors } from "./errors.js";
import { type PackageView, revOf } from "./package-view.js";

/**
 * `npm star|unstar <pkg>`: npm reads the packument (`?write=true`) and PUTs back `{_id, _rev, users}`
 * with its own name set or removed. Only the sender's own entry is read: anyone else's in the body is
 * ignored (one cannot star for someone else), and since nothing else changes, a stale `_rev` cannot
 * lose a concurrent change and is not checked.
 */
export async function handleStar(
  deps: Deps,
  reply: FastifyReply,
  v: PackageView,
  users: unknown,
  auth: NpmAuth,
): Promise<FastifyReply> {
  if (!users || typeof users !== "object" || Array.isArray(users))
    throw npmErrors.BODY_INVALID("users must be an object of {username: true}, as npm star sends.");
  const starred = Object.entries(users).some(
    ([name, on]) => name.toLowerCase() === auth.user.username.toLowerCase() && on === true,
  );
  await setStar(deps, auth.user.id, v.project, starred);
  return reply.send({ ok: true, id: v.project.name, rev: revOf(v.project) });
}

/** `npm stars [user]`: the CouchDB view npm's registry still answers, `?key="<user>"` (JSON-quoted). */
export function registerStars(app: FastifyInstance, deps: Deps): void {
  app.get<{ Querystring: { key?: string } }>("/npm/-/_view/starredByUser", async (req) => {
    let who: unknown = req.query.key;
    try {
      who = JSON.parse(String(req.query.key ?? ""));
    } catch {
      // npm always quotes the key; a bare name is accepted too.
    }
    if (typeof who !== "string" || !who || who.length > 100)
      throw npmErrors.BODY_INVALID('Ask for ?key="<username>", as npm stars does.');
    const user = await getUserByUsername(deps.db, who);
    if (!user) throw npmErrors.NOT_FOUND(`No user named '${who}' on this registry.`);
    const names = await starsOfUser(deps.db, user.id, "npm");
    return { rows: names.map((name) => ({ key: user.username, value: name })) };
  });
}
