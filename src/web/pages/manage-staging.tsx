import type { StageLevel } from "../../packages/index.js";
import { Form, Submit } from "../components.js";
import type { PageContext } from "../context.js";

const OPTIONS: Array<[StageLevel, string]> = [
  ["none", "Publish them directly"],
  ["any", "Stage them until a maintainer approves with a second factor"],
  ["phishing-resistant", "Stage them until a maintainer approves with a security key or passkey"],
];

export interface StagingState {
  rule: StageLevel;
  /** The strongest rule an enforced mandate imposes on this project, with the mandate's reason. */
  mandate: { level: StageLevel; reason: string } | null;
}

const RANK: Record<StageLevel, number> = { none: 0, any: 1, "phishing-resistant": 2 };

/**
 * The owners' "stage uploads" rule (issue 16): what happens to an upload made with an API token or by a
 * trusted publisher, i.e. without a second factor given for it. A stronger mandate is said beside it:
 * it applies whatever the owners choose.
 */
export function StagingSection(p: {
  ctx: PageContext;
  base: string;
  staging: StagingState;
  canManage: boolean;
  error?: string;
}) {
  const m = p.staging.mandate;
  const stronger = m && RANK[m.level] > RANK[p.staging.rule];
  return (
    <section class="card" id="staging" aria-labelledby="staging-h">
      <h2 id="staging-h">Staged releases</h2>
      <p>Uploads from API tokens and trusted publishers (no second factor given for them):</p>
      {stronger && (
        <p class="alert info" id="staging-mandate">
          {m.reason}: uploads without a second factor wait for approval
          {m.level === "phishing-resistant" ? " with a security key or passkey" : ""} whatever is chosen here.
        </p>
      )}
      {p.canManage ? (
        <Form action={`${p.base}staging`} csrf={p.ctx.csrf} label="Staged releases">
          <fieldset
            class={p.error ? "field has-error" : "field"}
            aria-describedby={p.error ? "stage-error" : undefined}
          >
            <legend class="sr-only">Staging rule</legend>
            {OPTIONS.map(([value, label]) => (
              <label class="check" key={value}>
                <input type="radio" name="stage" value={value} checked={p.staging.rule === value} /> {label}
              </label>
            ))}
            {p.error && (
              <p class="field-error" id="stage-error" role="alert">
                {p.error}
              </p>
            )}
          </fieldset>
          <Submit>Save</Submit>
        </Form>
      ) : (
        <p id="staging-rule">{OPTIONS.find(([v]) => v === p.staging.rule)?.[1]}</p>
      )}
    </section>
  );
}
