import type { FastifyReply, FastifyRequest } from "fastify";
import { type Action, authorize, type Grant } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { highestVersion } from "../../ecosystems/npm/semver.js";
import { changeOwners, type Project, setDeprecations, unpublishVersions } from "../../packages/index.js";
import { type NpmAuth, requestContext } from "./auth.js";
import { npmErrors } from "./errors.js";
import { type PackageView, revOf } from "./package-view.js";
import { requireSecondFactor } from "./second-factor.js";
import { handleStar } from "./stars.js";
import type { PackageStates } from "./state.js";

/**
 * Permission first, so people who may not act are not asked for a one-time password in vain; the
 * grant is what the domain mutator then takes (it does not ask again).
 */
export function allow(deps: Deps, auth: NpmAuth, action: Action, project: Project): Promise<Grant> {
  return authorize(deps, auth.actor, action, project);
}

function checkRev(v: PackageView, rev: string | null): void {
  if (rev !== null && rev !== revOf(v.project)) throw npmErrors.REV_CONFLICT();
}

type Body = Record<string, unknown>;
const usernames = (list: unknown): string[] | null =>
  Array.isArray(list) && list.every((m) => m && typeof (m as Body).name === "string")
    ? list.map((m) => String((m as Body).name))
    : null;

/**
 * `PUT /npm/<name>[/-rev/<rev>]` without an attachment: the read-modify-write of npm's own commands.
 * `npm owner` sends only `maintainers`; `npm star` only `users`; `npm deprecate` the packument with
 * `deprecated` set; npm unpublish of one version the packument without it (with a rev). Only those
 * differences are applied — nothing else in a packument can be changed this way.
 */
export async function handleUpdate(
  deps: Deps,
  states: PackageStates,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  body: Body,
  sentRev: string | null,
  auth: NpmAuth,
): Promise<FastifyReply> {
  const v = await states.view(name);
  if ((body._id !== undefined && body._id !== name) || (body.name !== undefined && body.name !== name))
    throw npmErrors.NAME_MISMATCH(`The package name in the URL ('${name}') and in the body differ.`);
  if (body.versions === undefined && body.maintainers === undefined && body.users !== undefined)
    return handleStar(deps, reply, v, body.users, auth);
  // yarn 1 sends `-rev/undefined` when the document it read had no `_rev`: that is no revision at all.
  const rev = sentRev === "undefined" ? null : sentRev;
  checkRev(v, rev);
  const ctx = requestContext(req);
  if (body.versions === undefined && body.maintainers !== undefined) {
    const wanted = usernames(body.maintainers);
    if (!wanted) throw npmErrors.BODY_INVALID("maintainers must be a list of {name, email}.");
    const current = v.members.map((m) => m.username);
    const add = wanted.filter((n) => !current.some((c) => c.toLowerCase() === n.toLowerCase()));
    let remove = current.filter((c) => !wanted.some((n) => c.toLowerCase() === n.toLowerCase()));
    // Without a revision an owner missing from the list may be one added since the client read it
    // (or a document without maintainers): adding cannot lose a concurrent change, removing can.
    if (rev === null && remove.length) {
      if (!add.length)
        throw npmErrors.REV_CONFLICT(
          "Removing an owner needs the revision (_rev) of the document you read; read it with ?write=true and send it back.",
        );
      remove = [];
    }
    if (add.length || remove.length) {
      const grant = await allow(deps, auth, "manage-people", v.project);
      const what = [...add.map((n) => `add ${n}`), ...remove.map((n) => `remove ${n}`)].join(", ");
      await requireSecondFactor(deps, req, auth.user, auth.token, {
        kind: "write",
        description: `change the owners of ${name} (${what})`,
        project: v.project,
      });
      await changeOwners(deps, ctx, grant, auth.user, v.project, {
        add,
        remove,
      });
    }
    // yarn 1 reports success only when the reply says `success`.
    return reply.send({ ok: true, success: true, id: name, rev: revOf(v.project) });
  }
  if (!body.versions || typeof body.versions !== "object" || Array.isArray(body.versions))
    throw npmErrors.BODY_INVALID("Send the package's versions, as npm does.");
  const sent = body.versions as Record<string, Body>;
  const current = new Map(v.releases.map((r) => [r.version, r]));
  const added = Object.keys(sent).filter((k) => !current.has(k));
  if (added.length)
    throw npmErrors.BODY_INVALID(
      `Publish new versions with npm publish (${added.join(", ")} has no tarball).`,
    );
  // Without a rev (a plain PUT, as npm deprecate sends) a missing version is left alone, never removed.
  const removed = rev === null ? [] : [...current.keys()].filter((k) => !(k in sent));
  const deprecations: Array<{ version: string; message: string }> = [];
  for (const [version, m] of Object.entries(sent)) {
    const was = String(current.get(version)?.metadata.deprecated ?? "");
    const now = typeof m?.deprecated === "string" ? m.deprecated.slice(0, 1000) : "";
    if (was !== now) deprecations.push({ version, message: now });
  }
  if (!removed.length && !deprecations.length)
    return reply.send({ ok: true, id: name, rev: revOf(v.project) });
  // Each change is its own action, each through the same gate (issue 13, item 1: a deprecation or an
  // unpublish once went through where a publish was refused).
  const deprecating = deprecations.length ? await allow(deps, auth, "deprecate", v.project) : null;
  const unpublishing = removed.length ? await allow(deps, auth, "unpublish", v.project) : null;
  const what = [
    ...removed.map((r) => `unpublish ${name}@${r}`),
    ...deprecations.map((d) => `${d.message ? "deprecate" : "undeprecate"} ${name}@${d.version}`),
  ];
  await requireSecondFactor(deps, req, auth.user, auth.token, {
    kind: "write",
    description: what.slice(0, 3).join(", ") + (what.length > 3 ? ", ..." : ""),
    project: v.project,
  });
  if (deprecating) await setDeprecations(deps, ctx, deprecating, v.project, deprecations);
  if (unpublishing) await unpublishVersions(deps, ctx, unpublishing, v.project, removed, highestVersion);
  return reply.send({ ok: true, id: name });
}

/** `DELETE /npm/<name>/-rev/<rev>` (every version) and `DELETE <tarball>/-rev/<rev>` (one). */
export async function handleDelete(
  deps: Deps,
  states: PackageStates,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  rev: string,
  file: string | null,
  auth: NpmAuth,
): Promise<FastifyReply> {
  const v = await states.view(name);
  let versions = v.releases.map((r) => r.version);
  if (file !== null) {
    // npm deletes the tarball after removing the version from the packument: already gone is done.
    const bare = name.includes("/") ? name.split("/")[1]! : name;
    const version =
      file.startsWith(`${bare}-`) && file.endsWith(".tgz") ? file.slice(bare.length + 1, -4) : "";
    if (!versions.includes(version)) throw npmErrors.NOT_FOUND(`No tarball named '${file}'.`);
    versions = [version];
  } else {
    checkRev(v, rev);
  }
  if (versions.length === 0)
    throw npmErrors.PACKAGE_NOT_FOUND(`Every version of ${name} was already unpublished.`);
  const grant = await allow(deps, auth, "unpublish", v.project);
  await requireSecondFactor(deps, req, auth.user, auth.token, {
    kind: "write",
    description: file === null ? `unpublish every version of ${name}` : `unpublish ${name}@${versions[0]}`,
    project: v.project,
  });
  await unpublishVersions(deps, requestContext(req), grant, v.project, versions, highestVersion);
  return reply.send({ ok: true });
}
