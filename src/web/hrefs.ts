import { normalizeName } from "../ecosystems/pypi/index.js";

/*
 * Where a project's public page lives, by ecosystem: PyPI projects at /project/<normalized>/ (as on
 * pypi.org), npm packages at /package/<name> and /package/@scope/name (as on npmjs.com), gems at
 * /gems/<name> and /gems/<name>/versions/<version> (as on rubygems.org). Every link to
 * a project — search, profiles, "Your projects", scopes, the operator console, `npm search` results —
 * is built here, so a link never lands on the other ecosystem's page of a same-named project.
 */

/**
 * An npm package's page. A valid npm name is URL-safe in each part (ecosystems/npm/names.ts), so the
 * scope's '@' and its '/' stay literal, as npm's own website shows them; each part is still encoded
 * so a name that somehow were not valid could not add a path segment or a query.
 */
export function npmPackageHref(name: string, version?: string): string {
  const path = name
    .split("/")
    .map((part) =>
      part.startsWith("@") ? `@${encodeURIComponent(part.slice(1))}` : encodeURIComponent(part),
    )
    .join("/");
  return version === undefined ? `/package/${path}` : `/package/${path}/v/${encodeURIComponent(version)}`;
}

/** A gem's page, by its name as pushed (gem names have no '/'; encoded anyway, as above). */
export function gemHref(name: string, version?: string): string {
  const page = `/gems/${encodeURIComponent(name)}`;
  return version === undefined ? page : `${page}/versions/${encodeURIComponent(version)}`;
}

/** The public page of a project of any ecosystem. */
export function projectHref(p: { name: string; ecosystem: string }): string {
  if (p.ecosystem === "npm") return npmPackageHref(p.name);
  if (p.ecosystem === "rubygems") return gemHref(p.name);
  return `/project/${encodeURIComponent(normalizeName(p.name))}/`;
}

/** Where owners and maintainers manage a project: people, publishing security, security history. */
export function manageHref(p: { name: string; ecosystem: string }): string {
  if (p.ecosystem === "npm") return `/manage${npmPackageHref(p.name)}/`;
  if (p.ecosystem === "rubygems") return `/manage${gemHref(p.name)}/`;
  return `/manage/project/${encodeURIComponent(normalizeName(p.name))}/`;
}

/**
 * The token page opened from a project: "only these projects" is chosen and this project ticked. The
 * ecosystem comes first and the name keeps its own '/' (npm scopes): `pypi/demo`, `npm/@acme/lib`.
 */
export function tokenForProjectHref(p: { name: string; ecosystem: string }): string {
  return `/account/tokens?project=${encodeURIComponent(`${p.ecosystem}/${p.name}`)}#create`;
}

/** The project a `?project=` value of tokenForProjectHref names, among the ones given. */
export function projectNamedBy<P extends { name: string; ecosystem: string }>(
  projects: readonly P[],
  param: string | undefined,
): P | undefined {
  const slash = param?.indexOf("/") ?? -1;
  if (!param || slash < 1) return undefined;
  const ecosystem = param.slice(0, slash);
  const name = param.slice(slash + 1);
  // PyPI names match by their normalized form (as /project/ URLs do); npm and gem names by lower case.
  const key = (n: string) => (ecosystem === "pypi" ? normalizeName(n) : n.toLowerCase());
  return projects.find((p) => p.ecosystem === ecosystem && key(p.name) === key(name));
}
