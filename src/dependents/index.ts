/**
 * Reverse dependencies (issue 18 item 4): which projects each project's latest release installs
 * (the ecosystem's `dependencies()` over its stored metadata), kept as edges and direct counts that
 * every write changing a latest release updates in its own transaction (`refreshDependencies`), a
 * full recompute (`wharf policy dependents recompute`), optional bounded transitive counts, and the
 * rankings criticality rules and the look-alike check use.
 */
export { dependenciesOf, latestOf, refreshDependencies } from "./edges.js";
export {
  countsFor,
  type DependentCount,
  type DependentsMode,
  type DependentsPage,
  dependentCount,
  listDependents,
  type RankedName,
  rankByDependents,
  topByDependents,
} from "./queries.js";
export { type RecomputeReport, recomputeDependents } from "./recompute.js";
export { MAX_TRANSITIVE_TOP, transitiveCounts } from "./transitive.js";
