import { hello, type Site, signature } from "./common.js";

/**
 * Trusted publishers (issue 16): a publisher lets a CI workflow publish without any secret, so adding
 * one is as sensitive as making someone an owner. Every owner hears of each change, and of the first
 * time a publisher is used (a publisher configured by an attacker who briefly held an owner's session
 * shows up here, before it is used again).
 */

/** What names a publisher in a mail: "GitHub acme/widget, workflow release.yml, environment pypi". */
export interface PublisherVars {
  username: string;
  project: string;
  publisher: string;
  /** The project's manage page, from the origin: "/manage/project/demo/". */
  managePath: string;
}

const closing = (s: Site, v: PublisherVars) =>
  `\n\nSee and remove the project's trusted publishers at ${s.origin}${v.managePath}#publishing${signature(s)}`;

export function publisherAdded(s: Site, v: PublisherVars & { by: string; via: string }) {
  return {
    subject: `A trusted publisher was added to ${v.project}`,
    text: `${hello(v.username, `the user ${v.by} added a trusted publisher to ${v.project} (${v.via}): ${v.publisher}. Anyone who can run that workflow can now publish ${v.project}. If you do not know this change, remove the publisher and check who owns the project.`)}${closing(s, v)}`,
  };
}

export function publisherRemoved(s: Site, v: PublisherVars & { by: string; via: string }) {
  return {
    subject: `A trusted publisher was removed from ${v.project}`,
    text: `${hello(v.username, `the user ${v.by} removed a trusted publisher from ${v.project} (${v.via}): ${v.publisher}. That workflow can no longer publish ${v.project}.`)}${closing(s, v)}`,
  };
}

export function publisherFirstUsed(s: Site, v: PublisherVars & { run: string | null }) {
  return {
    subject: `A trusted publisher published ${v.project} for the first time`,
    text: `${hello(v.username, `the trusted publisher ${v.publisher} was used for the first time to get a publishing token for ${v.project}${v.run ? ` (workflow run ${v.run})` : ""}. Its repository's ids are now pinned: a repository deleted and created again under the same name cannot publish. If you did not expect this, remove the publisher.`)}${closing(s, v)}`,
  };
}

/** A pending publisher became a project's publisher: its first exchange created the project. */
export function pendingPublisherUsed(s: Site, v: PublisherVars & { run: string | null }) {
  return {
    subject: `Your pending publisher created ${v.project}`,
    text: `${hello(v.username, `the pending trusted publisher ${v.publisher} was used${v.run ? ` (workflow run ${v.run})` : ""}: it created the project ${v.project}, which you now own, and is now an ordinary trusted publisher of it.`)}${closing(s, v)}`,
  };
}
