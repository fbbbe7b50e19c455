/** Ecosystem-neutral projects, releases, files, roles and download counts (PyPI now, npm next). */
export { ChangeFeed, type TokenChange } from "./changes.js";
export { releaseDescription, renderNewRelease } from "./descriptions.js";
// npm (protocols/npm): dist-tags, unpublish, owners from the CLI, per-package 2FA, deprecation, search.
export { changeDistTag, listDistTags, putDistTag } from "./dist-tags.js";
export { DownloadCounter, dayOf, downloadsSince } from "./downloads.js";
export { packageErrors } from "./errors.js";
export { recordProjectEvent } from "./events.js";
export { appendGemVersionsLog, type GemVersionsLine, readGemVersionsLog } from "./gem-versions-log.js";
export { MAX_INSPECTIONS_PER_USER, tryInspectionSlot, withInspectionSlot } from "./inspections.js";
export { ListingStore, readListing } from "./listing.js";
export { removeFile, removeRelease, yankRelease } from "./manage.js";
export { changeOwners, type OwnerChange } from "./owners.js";
export { acceptInvitation, declineInvitation, inviteMember, removeMember } from "./people.js";
export {
  fileUrl,
  type ListedProjectView,
  latestRelease,
  loadListedProjectView,
  loadProjectView,
  type ProjectView,
} from "./project-view.js";
export {
  bumpSerial,
  type Ecosystem,
  findLookalike,
  findProject,
  findProjectsByNames,
  getProjectById,
  insertProject,
  isProhibitedName,
  listProjectNames,
  listProjects,
  listProjectsPage,
  type Project,
  searchProjects,
  setUploadLimit,
} from "./projects.js";
export { type Provenance, type ProvenanceClaims, provenanceFor, recordProvenance } from "./provenance.js";
export {
  blobKeyFor,
  type NewPublishedFile,
  type PublishInput,
  type PublishResult,
  publishFile,
  writeFilesInTx,
} from "./publish.js";
export {
  closeQuarantine,
  listOpenQuarantines,
  openQuarantine,
  type QuarantineCase,
  type QuarantineKind,
} from "./quarantine.js";
export { listReleaseSummaries, type ReleaseSummary } from "./queries.js";
export {
  listMissingBlobs,
  type MissingBlob,
  type ReconcileOptions,
  type ReconcileReport,
  reconcileBlobs,
} from "./reconcile.js";
export {
  deleteFile,
  deleteRelease,
  insertFile,
  insertRelease,
  type NewFile,
  type NewRelease,
  setYanked,
} from "./release-writes.js";
export {
  type FileRecord,
  filenameEverUsed,
  findFileByName,
  findRelease,
  isReleaseLive,
  type ListedRelease,
  listEcosystemReleases,
  listReleases,
  type Release,
  type ReleaseText,
  releaseMetadata,
  releaseText,
} from "./releases.js";
export {
  addRole,
  getRole,
  type Invitation,
  listMembers,
  type Member,
  mailableOwners,
  openInvitationsForProject,
  openInvitationsForUser,
  parseRole,
  projectsOfUser,
  projectsOfUserPage,
  type Role,
} from "./roles.js";
export {
  addScopeOwner,
  checkNewPackageScope,
  claimScopeForNewPackage,
  getScope,
  listScopePackages,
  normalizeScope,
  removeScopeOwner,
  type Scope,
  type ScopeActor,
  scopeErrors,
  scopeOfPackage,
} from "./scopes.js";
export { searchEcosystem, TRIGRAM_CANDIDATE_CAP } from "./search.js";
export {
  type MfaLevel,
  type MfaRequirement,
  mfaRequirementOf,
  parseMfaLevel,
  setDeprecations,
  setMfaRequirement,
} from "./settings.js";
export { parseStageLevel, type StageLevel, setStageRequirement, stageRequirementOf } from "./staging-rule.js";
export { setStar, starredBy, starsOfUser } from "./stars.js";
export { findTyposquatTarget, forgetProtectedNames, protectedNames } from "./typosquat.js";
export { UNPUBLISH_WINDOW, type UnpublishResult, unpublishVersions } from "./unpublish.js";
