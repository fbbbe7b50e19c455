import type { FastifyReply, FastifyRequest } from "fastify";
import { type Action, decide } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { highestVersion } from "../../ecosystems/npm/semver.js";
import { refusal } from "../../lib/errors.js";
import { changeOwners, type Project, setDeprecations, unpublishVersions } from "../../packages/index.js";
import { type NpmAuth, requestContext } from "./auth.js";
import { npmErrors } from "./errors.js";
import { type PackageView, revOf } from "./packument.js";
import { requireSecondFactor } from "./second-factor.js";
import type { PackageStates } from "./state.js";

/** Permission first, so people who may not act are not asked for a one-time password in vain. */
export async function allow(deps: Deps, auth: NpmAuth, action: Action, project: Project): Promise<void> {
  const d = await decide(deps.db, deps.config.origin, auth.actor, action, project, deps.clock.now());
  if (!d.allow) throw refusal(d);
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
 * `npm owner` sends only `maintainers`; `npm deprecate` the packument with `deprecated` set; npm
 * unpublish of one version the packument without it (with a rev). Only those three differences are
 * applied — nothing else in a packument can be changed this way.
 */
export async function handleUpdate(
  deps: Deps,
  states: PackageStates,
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  body: Body,
  rev: string | null,
  auth: NpmAuth,
): Promise<FastifyReply> {
  const v = await states.view(name);
  checkRev(v, rev);
  if ((body._id !== undefined && body._id !== name) || (body.name !== undefined && body.name !== name))
    throw npmErrors.NAME_MISMATCH(`The package name in the URL ('${name}') and in the body differ.`);
  const ctx = requestContext(req);
  if (body.versions === undefined && body.maintainers !== undefined) {
    const wanted = usernames(body.maintainers);
    if (!wanted) throw npmErrors.BODY_INVALID("maintainers must be a list of {name, email}.");
    const current = v.members.map((m) => m.username);
    const add = wanted.filter((n) => !current.some((c) => c.toLowerCase() === n.toLowerCase()));
    const remove = current.filter((c) => !wanted.some((n) => c.toLowerCase() === n.toLowerCase()));
    if (add.length || remove.length) {
      await allow(deps, auth, "manage-people", v.project);
      const what = [...add.map((n) => `add ${n}`), ...remove.map((n) => `remove ${n}`)].join(", ");
      await requireSecondFactor(deps, req, auth.user, auth.token, {
        kind: "write",
        description: `change the owners of ${name} (${what})`,
        project: v.project,
      });
      await changeOwners(deps, ctx, { ...auth.actor, username: auth.user.username }, v.project, {
        add,
        remove,
      });
    }
    return reply.send({ ok: true, id: name, rev: revOf(v.project) });
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
  await allow(deps, auth, "manage-releases", v.project);
  const what = [
    ...removed.map((r) => `unpublish ${name}@${r}`),
    ...deprecations.map((d) => `${d.message ? "deprecate" : "undeprecate"} ${name}@${d.version}`),
  ];
  await requireSecondFactor(deps, req, auth.user, auth.token, {
    kind: "write",
    description: what.slice(0, 3).join(", ") + (what.length > 3 ? ", ..." : ""),
    project: v.project,
  });
  await setDeprecations(deps, ctx, auth.actor, v.project, deprecations);
  if (removed.length) await unpublishVersions(deps, ctx, auth.actor, v.project, removed, highestVersion);
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
  await allow(deps, auth, "manage-releases", v.project);
  await requireSecondFactor(deps, req, auth.user, auth.token, {
    kind: "write",
    description: file === null ? `unpublish every version of ${name}` : `unpublish ${name}@${versions[0]}`,
    project: v.project,
  });
  await unpublishVersions(deps, requestContext(req), auth.actor, v.project, versions, highestVersion);
  return reply.send({ ok: true });
}
