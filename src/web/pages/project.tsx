import type { SecurityPosture } from "../../authz/index.js";
import type { Member, Project, Provenance, Release } from "../../packages/index.js";
import type { PageContext } from "../context.js";
import { manageHref } from "../hrefs.js";
import type { RenderedDescription } from "../markdown.js";
import { Description, FileList, ProjectHead, ReleaseHistory, Sidebar } from "./project-parts.js";
import { ProvenanceSection } from "./provenance.js";
import { ReportBox } from "./report.js";
import { type PendingList, PendingStaged } from "./staged.js";

export interface ProjectPageState {
  origin: string;
  project: Project;
  /** Oldest to newest (PEP 440). */
  releases: Release[];
  /** The release on display: the one in the URL, else the latest. */
  shown: Release | undefined;
  latest: Release | undefined;
  /** True on /project/<name>/<version>/. */
  pinned: boolean;
  members: Member[];
  description: RenderedDescription;
  /** The signed-in visitor's role, to offer the manage link. */
  viewerRole: string | null;
  posture: SecurityPosture;
  /** "Used by N projects" and the dependents page. */
  usedBy: { count: number; href: string };
  /** Where the shown release's files were built, for those a trusted publisher uploaded. */
  provenance: Provenance[];
  /** Staged releases waiting for approval: set for the project's maintainers only. */
  pending: PendingList | null;
}

export function ProjectPage(ctx: PageContext, s: ProjectPageState) {
  const { project, shown, latest } = s;
  const path = `/project/${project.normalizedName}/`;
  return (
    <>
      <ProjectHead
        project={project}
        shown={shown}
        manage={
          s.viewerRole
            ? {
                href: manageHref(project),
                label: s.viewerRole === "owner" ? "Manage project" : "Project settings",
              }
            : null
        }
      />
      <PendingStaged pending={s.pending} />
      {shown && latest && shown !== latest && (
        <div class="alert info" role="note">
          You are viewing {project.name} {shown.version}. The latest version is{" "}
          <a href={`${path}${encodeURIComponent(latest.version)}/`}>{latest.version}</a>.
        </div>
      )}
      {shown && shown.yankedAt !== null && (
        <div class="alert error" role="note" id="yanked-notice">
          This release has been yanked: pip installs it only when its version is pinned exactly.
          {shown.yankedReason && <> Reason: {shown.yankedReason}</>}
        </div>
      )}
      <div class="project-layout">
        <Sidebar
          origin={s.origin}
          name={project.normalizedName}
          release={shown}
          pinned={s.pinned}
          members={s.members}
          posture={s.posture}
          usedBy={s.usedBy}
        >
          {!project.quarantinedAt && <ReportBox ctx={ctx} ecosystem="pypi" name={project.name} here={path} />}
        </Sidebar>
        <div class="project-main">
          {shown ? (
            <>
              <section aria-labelledby="description-h" id="description">
                <h2 id="description-h">Description</h2>
                <Description rendered={s.description} />
              </section>
              <FileList release={shown} />
              <ProvenanceSection items={s.provenance} files={shown.files} />
              <ReleaseHistory projectPath={path} releases={s.releases} shown={shown} latest={latest} />
            </>
          ) : (
            <p class="muted">This project has no releases.</p>
          )}
        </div>
      </div>
    </>
  );
}
