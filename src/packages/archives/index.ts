/**
 * Bounded readers of uploaded Python distributions (wheels are zip files, sdists gzip'd tar files).
 * They open files on disk, so they live here and not in `ecosystems/`, which must stay pure: they
 * check what they read against the ecosystem's rules (names, versions, core metadata), never the
 * other way round. A future ecosystem's archive reader (a gem is a tar file) belongs beside them.
 */
export type { ArchiveLimits, InspectOptions, InspectResult } from "./archive.js";
export { LIMITS } from "./archive.js";
export { type InspectedGem, inspectGem } from "./archive-gem.js";
export { inspectSdist } from "./archive-tar.js";
export { inspectWheel } from "./archive-zip.js";
