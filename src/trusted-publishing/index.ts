/**
 * Trusted publishing (issue 16): CI proves who it is with its provider's OIDC token (verified by
 * src/oidc) and gets a short-lived upload token for one project.
 *
 * Stable API (the manage page, `npm trust` and pending-publisher UI build on it):
 * - `addPublisher(db, now, ctx, NewPublisher, {notify?})` → TrustedPublisher. Give `projectId`, or
 *   `pending: {ecosystem, projectName}` for a project that does not exist yet (reserved for
 *   `createdBy`; its first exchange creates the project owned by that account). Validates and
 *   normalises the input (PUBLISHER_INVALID names the field), refuses duplicates (PUBLISHER_EXISTS) and
 *   names taken (PENDING_NAME_TAKEN). Records `trusted_publisher.added`; `notify` mails ride with it.
 *   Callers authorize first (project owner, sudo / OTP).
 * - `listPublishers(db, projectId)`, `listPendingPublishers(db, userId)`, `getPublisher(db, id)`.
 * - `removePublisher(db, now, ctx, {projectId | null (pending), publisherId, by}, {notify?})` → the
 *   removed publisher; revokes the live tokens it minted. PUBLISHER_NOT_FOUND for another project's.
 * - `matchPublisher(db, {ecosystem, projectName, claims, issuer, origin})` → `{ok: true, publisher,
 *   project, identity, recordIds}` or `{ok: false, claim, message, error}`: the message names what the
 *   token says, the claim that did not match and where to configure a publisher.
 * - `exchangeOidcToken(deps, ctx, {ecosystem, projectName?, oidcToken})` → {token, expiresAt, project,
 *   publisher, createdProject}: verify, match, then one transaction (jti spent, pending project
 *   created, first use recorded, ≤ 15-minute upload-only token minted). `audienceFor(ecosystem, origin)`.
 * - `markPublisherUsed(...)`: records ids on first use (CAS), `trusted_publisher.first_used`.
 * - `provenanceFor(db, {projectId, releaseId?})` → Provenance[] (repository, workflow, ref, sha,
 *   run id/attempt, environment, runUrl) per version (npm, fileId null) or file (PyPI).
 *   publishFile records it (packages/provenance.ts) for uploads made with a trusted-publisher token.
 * - `publisherLabel(p)` → "github:acme/widget release.yml", as history shows it.
 *
 * GitHub publishers match repository + repository_id + repository_owner_id + the workflow file (from
 * job_workflow_ref or workflow_ref, in the same repository) + environment when set; GitLab ones
 * project_path + project_id + namespace_id + the CI config path of ci_config_ref_uri + environment.
 */

// Provenance lives with releases and files (packages/provenance.ts); re-exported for the pages.
export { type Provenance, type ProvenanceClaims, provenanceFor } from "../packages/index.js";
export { type CiIdentity, type Claims, ciIdentity, describeIdentity, provenanceClaims } from "./claims.js";
export { trustErrors } from "./errors.js";
export { audienceFor, type ExchangeDeps, type Exchanged, exchangeOidcToken } from "./exchange.js";
export { describePublisher, firstUseMails, managePath, ownerMails } from "./mails.js";
export {
  addProjectPublisher,
  type ChangeVia,
  checkPendingName,
  MAX_PENDING_PER_ACCOUNT,
  type PublisherSpec,
  removeProjectPublisher,
} from "./manage.js";
export {
  type Matched,
  type MatchInput,
  type MatchResult,
  matchPublisher,
  matchPublishersByClaims,
} from "./match.js";
export { addPendingPublisher, removePendingPublisher } from "./pending.js";
export { type Provider, publisherLabel, type TrustedPublisher } from "./publisher.js";
export {
  addPublisher,
  DEFAULT_ISSUERS,
  getPublisher,
  listPendingPublishers,
  listPublishers,
  markPublisherUsed,
  type NewPublisher,
  normalizePublisher,
  publisherEvent,
  removePublisher,
} from "./store.js";
