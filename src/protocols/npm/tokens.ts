import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { type User, verifyAccountPassword } from "../../accounts/index.js";
import { authorizeTokenCreation } from "../../authz/index.js";
import type { Deps } from "../../deps.js";
import { parsePackageName } from "../../ecosystems/npm/names.js";
import { recordEvent } from "../../events/index.js";
import { findProjectsByNames } from "../../packages/index.js";
import {
  createCliToken,
  findUserTokenId,
  listTokens,
  revokeUserToken,
  tokenOptions,
} from "../../tokens/index.js";
import { requestContext, requireAuth, requireWriter } from "./auth.js";
import { npmErrors } from "./errors.js";
import { requireSecondFactor } from "./second-factor.js";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The password again for credential and profile changes made from a terminal (the CLI's equivalent of
 * the web's sudo window), under the same per-account budget as sudo; failures are recorded.
 */
export async function confirmPassword(
  deps: Deps,
  req: FastifyRequest,
  user: User,
  password: unknown,
): Promise<void> {
  if (typeof password !== "string" || !password) throw npmErrors.BODY_INVALID("Enter your password.");
  await deps.limits.consume("sudoUser", user.id);
  if (!(await verifyAccountPassword(deps, user.id, password))) {
    await recordEvent(deps.db, deps.clock.now(), requestContext(req), {
      type: "login.failure",
      userId: user.id,
      data: { reason: "npm password confirmation" },
    });
    throw npmErrors.PASSWORD_WRONG();
  }
}

const CreateBody = z.looseObject({
  password: z.string().max(4096).optional(),
  name: z.string().max(100).optional(),
  readonly: z.boolean().optional(),
  cidr_whitelist: z.array(z.string().max(50)).max(100).optional(),
  packages: z.array(z.string().max(214)).max(500).optional(),
  packages_all: z.boolean().optional(),
  scopes: z.array(z.string().max(214)).max(100).optional(),
  orgs: z.array(z.string()).optional(),
  packages_and_scopes_permission: z.enum(["read-only", "read-write", "no-access"]).optional(),
  expires: z.number().int().optional(),
  bypass_2fa: z.boolean().optional(),
});

/** `/-/npm/v1/tokens`: the web's token store, with npm's classic and granular options. */
export function registerTokens(app: FastifyInstance, deps: Deps): void {
  app.get("/npm/-/npm/v1/tokens", async (req) => {
    const auth = await requireAuth(deps, req);
    const now = deps.clock.now();
    const options = await tokenOptions(deps, auth.user.id);
    const live = (await listTokens(deps.db, auth.user.id)).filter(
      (t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now),
    );
    const objects = live.map((t) => {
      const o = options.get(t.id);
      return {
        key: t.id,
        token: t.displayPrefix,
        name: t.name,
        created: iso(t.createdAt),
        updated: iso(t.lastUsedAt ?? t.createdAt),
        readonly: o?.readonly ?? false,
        automation: o?.bypass2fa ?? false,
        cidr_whitelist: o?.cidrs ?? null,
        expires: t.expiresAt ? iso(t.expiresAt) : null,
        packages: t.projectNames,
      };
    });
    return { objects, total: objects.length, urls: { next: null } };
  });

  app.post("/npm/-/npm/v1/tokens", async (req, reply) => {
    const parsed = CreateBody.safeParse(req.body);
    if (!parsed.success) throw npmErrors.BODY_INVALID("The token request could not be read.");
    const b = parsed.data;
    const auth = await requireWriter(deps, req);
    if (b.orgs?.length)
      throw npmErrors.UNSUPPORTED(
        "This registry has no organisations; scope the token to packages or scopes.",
      );
    if (b.packages_and_scopes_permission === "no-access")
      throw npmErrors.UNSUPPORTED("A token with no access would do nothing; choose read-only or read-write.");
    await confirmPassword(deps, req, auth.user, b.password);
    const scopes = (b.scopes ?? []).map((s) => {
      const bare = s.replace(/^@/, "");
      parsePackageName(`@${bare}/x`);
      return `@${bare}`;
    });
    let projectIds: string[] | null = null;
    if (!b.packages_all && (b.packages?.length || scopes.length)) {
      const names = b.packages ?? [];
      const found = await findProjectsByNames(deps.db, "npm", names);
      const missing = names.filter((n) => !found.some((p) => p.name === n));
      if (missing.length)
        throw npmErrors.PACKAGE_NOT_FOUND(
          `No package named ${missing.join(", ")}: publish it first, or scope the token to its @scope.`,
        );
      projectIds = found.map((p) => p.id);
    }
    const readonly = b.readonly === true || b.packages_and_scopes_permission === "read-only";
    // Gated by what the token can write (nothing, if read-only), before the second factor is asked for.
    const grant = await authorizeTokenCreation(deps, auth.actor, { projectIds, npmScopes: scopes, readonly });
    await requireSecondFactor(deps, req, auth.user, null, {
      kind: "auth",
      description: "create an access token",
    });
    const now = deps.clock.now();
    const t = await createCliToken(deps, requestContext(req), auth.user, {
      name: b.name?.trim() || `npm token ${iso(now).slice(0, 19)}Z`,
      projectIds,
      npmScopes: scopes,
      expiresInDays: b.expires ?? null,
      readonly,
      cidrs: b.cidr_whitelist ?? [],
      bypass2fa: b.bypass_2fa === true,
      via: "npm token create",
      grant,
    });
    return reply.status(201).send({
      token: t.token,
      key: t.id,
      name: b.name ?? "",
      created: iso(t.createdAt),
      updated: iso(t.createdAt),
      readonly,
      cidr_whitelist: b.cidr_whitelist?.length ? b.cidr_whitelist : null,
      ...(t.expiresAt ? { expires: iso(t.expiresAt) } : {}),
      ...(b.bypass_2fa ? { bypass_2fa: true } : {}),
    });
  });

  app.delete<{ Params: { key: string } }>("/npm/-/npm/v1/tokens/token/:key", async (req) => {
    const auth = await requireAuth(deps, req);
    const id = await findUserTokenId(deps, auth.user.id, req.params.key);
    if (!id) throw npmErrors.NOT_FOUND("That token does not exist.");
    await requireSecondFactor(deps, req, auth.user, null, {
      kind: "auth",
      description: "revoke an access token",
    });
    await revokeUserToken(deps, requestContext(req), auth.user, id);
    return { ok: true };
  });
}
