/**
 * Staged releases (issue 16, item 5): a release uploaded by a machine (an API token, a trusted
 * publisher) waits, invisible to installers, until a maintainer approves it with a second factor given
 * just now; approval publishes all its files at once through the publish's own writer. Rejection and
 * expiry remove the files and keep their names unusable. The policy that routes uploads here lives in
 * authz (decide() answers `stage`); the surfaces are protocols/npm/stage.ts, protocols/pypi (upload and
 * the preview index) and web/routes/staged.ts.
 */
export { type ApprovalFactor, approveStaged, expireStaged, rejectStaged } from "./decide.js";
export { stagingErrors } from "./errors.js";
export { actorTypeOf, type StageInput, type StageResult, stageFile } from "./stage.js";
export {
  type ActorType,
  findStaged,
  findStagedFile,
  isStageId,
  listPending,
  type StagedFile,
  type StagedRelease,
  type StageState,
} from "./store.js";
