import type { MfaLevel as Requirement } from "../../packages/index.js";
import { Form, Submit } from "../components.js";
import type { PageContext } from "../context.js";

const OPTIONS: Array<[Requirement, string]> = [
  ["none", "No requirement beyond the registry's own rules"],
  ["any", "Two-factor authentication (authenticator app, security key or passkey)"],
  ["phishing-resistant", "A security key or passkey (phishing-resistant)"],
];

/** The owners' own MFA requirement for everyone who publishes the project. */
export function SettingsSection(p: {
  ctx: PageContext;
  base: string;
  requirement: Requirement;
  canManage: boolean;
  error?: string;
}) {
  return (
    <section class="card" id="settings" aria-labelledby="settings-h">
      <h2 id="settings-h">Publishing security</h2>
      <p>Require everyone who publishes this project, from the web, twine or npm, to use:</p>
      {p.canManage ? (
        <Form action={`${p.base}settings`} csrf={p.ctx.csrf} label="Publishing security">
          <fieldset>
            <legend class="sr-only">Requirement</legend>
            {OPTIONS.map(([value, label]) => (
              <label class="check" key={value}>
                <input type="radio" name="requirement" value={value} checked={p.requirement === value} />{" "}
                {label}
              </label>
            ))}
          </fieldset>
          {p.error && (
            <p class="field-error" id="requirement-error" role="alert">
              {p.error}
            </p>
          )}
          <Submit>Save</Submit>
        </Form>
      ) : (
        <p>{OPTIONS.find(([v]) => v === p.requirement)?.[1]}</p>
      )}
    </section>
  );
}
