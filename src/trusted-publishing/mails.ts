import type { DbExecutor } from "../db/index.js";
import { ecosystemFor } from "../ecosystems/index.js";
import { type EventMail, eventMail } from "../events/index.js";
import * as mails from "../notify/templates/publishing.js";
import { mailableOwners } from "../packages/index.js";
import type { TrustedPublisher } from "./publisher.js";

/** "GitHub acme/widget, workflow release.yml, any environment": how mails name a publisher. */
export function describePublisher(
  p: Pick<TrustedPublisher, "provider" | "repository" | "workflow" | "environment">,
): string {
  const provider = p.provider === "github" ? "GitHub" : "GitLab";
  const file = p.provider === "github" ? "workflow" : "CI config";
  return `${provider} ${p.repository}, ${file} ${p.workflow}, ${p.environment ? `environment ${p.environment}` : "any environment"}`;
}

/**
 * The project's manage page (web/hrefs.ts manageHref draws the same), for the mails' links: the domain
 * does not import the web surface.
 */
export function managePath(p: { ecosystem: string; name: string }): string {
  if (p.ecosystem === "npm") return `/manage/package/${p.name}/`;
  return `/manage/project/${encodeURIComponent(ecosystemFor("pypi").normalizeName(p.name))}/`;
}

/** One mail per owner with a verified address (the outbox sends them when the transaction commits). */
export async function ownerMails(
  db: DbExecutor,
  projectId: string,
  build: (owner: { username: string; email: string }) => EventMail<unknown>,
): Promise<EventMail<unknown>[]> {
  const owners = await mailableOwners(db, projectId);
  return owners.map(build);
}

/**
 * The owners' mails of a publisher's first use (markPublisherUsed). A pending publisher's first use
 * created the project: its one owner is told the project exists; otherwise every owner is told that
 * the publisher works now and its ids are pinned.
 */
export async function firstUseMails(
  db: DbExecutor,
  p: TrustedPublisher & { projectId: string },
  projectName: string,
  runUrl: string | null,
): Promise<EventMail<unknown>[]> {
  const template = p.pendingProjectName !== null ? mails.pendingPublisherUsed : mails.publisherFirstUsed;
  return ownerMails(db, p.projectId, (o) =>
    eventMail(o.email, template, {
      username: o.username,
      project: projectName,
      publisher: describePublisher(p),
      managePath: managePath({ ecosystem: p.ecosystem, name: projectName }),
      run: runUrl,
    }),
  );
}
