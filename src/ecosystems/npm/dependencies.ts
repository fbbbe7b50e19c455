/**
 * What installing an npm package brings in: `dependencies`, `peerDependencies` (installed by npm 7+)
 * and `optionalDependencies` (installed where they build). `devDependencies` are the package's own
 * tooling and are never installed by its users. An alias (`"x": "npm:real@^1"`) depends on `real`.
 */
const FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"] as const;

/** A name as a manifest may spell one (older packages keep capitals); the registry looks it up as is. */
const NAME = /^(?:@[^/@\s]+\/)?[^/@\s]+$/;

function target(key: string, spec: unknown): string | null {
  if (typeof spec === "string" && spec.startsWith("npm:")) {
    const m = /^npm:((?:@[^/@\s]+\/)?[^/@\s]+)/.exec(spec);
    return m ? m[1]! : null;
  }
  return key;
}

export function npmDependencies(metadata: Record<string, unknown>, self: string): string[] {
  const out = new Set<string>();
  for (const field of FIELDS) {
    const deps = metadata[field];
    if (!deps || typeof deps !== "object" || Array.isArray(deps)) continue;
    for (const [key, spec] of Object.entries(deps as Record<string, unknown>)) {
      const name = target(key, spec);
      if (name && name.length <= 214 && NAME.test(name) && name !== self) out.add(name);
    }
  }
  return [...out].sort();
}
