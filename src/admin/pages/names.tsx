import { Form, FormError, type PageContext, Submit, TableScroll, Time } from "../../web/index.js";
import type { ProhibitedName } from "../names.js";
import { type ActionState, ReasonField } from "./action-form.js";
import { ConsoleFrame } from "./layout.js";
import { LookalikeSection, type LookalikeSectionState } from "./lookalikes.js";
import { ECOSYSTEM_LABEL, EcosystemSelect } from "./projects.js";

export interface NamesPageState {
  names: ProhibitedName[];
  /** The prohibit form: values typed (or prefilled from a project page) and errors. */
  prohibit?: ActionState;
  /** A failed lift, keyed by "ecosystem/name" so the error shows on its row. */
  allow?: { key: string; state: ActionState };
  lookalikes: LookalikeSectionState;
}

function ProhibitForm(p: { ctx: PageContext; state?: ActionState }) {
  const s = p.state ?? {};
  const nameError = s.errors?.name;
  return (
    <section class="card" id="prohibit" aria-labelledby="prohibit-h">
      <h2 id="prohibit-h">Prohibit a name</h2>
      <p>
        Nobody can create a project with this name any more (a typosquat of a critical project, a reserved
        word). A project that already has the name is not affected.
      </p>
      <Form action="/admin/projects/prohibited" csrf={p.ctx.csrf} label="Prohibit a name">
        <FormError message={s.error} />
        <EcosystemSelect
          id="prohibit-ecosystem"
          value={s.values?.ecosystem ?? "pypi"}
          error={s.errors?.ecosystem}
        />
        <div class={nameError ? "field has-error" : "field"}>
          <label for="prohibit-name">Name</label>
          <p class="hint" id="prohibit-name-hint">
            Compared as the ecosystem does: PyPI ignores case and treats runs of “-”, “_” and “.” alike; npm
            names are lower case.
          </p>
          <input
            id="prohibit-name"
            name="name"
            type="text"
            value={s.values?.name}
            maxlength={214}
            aria-invalid={nameError ? "true" : undefined}
            aria-describedby={nameError ? "prohibit-name-hint prohibit-name-error" : "prohibit-name-hint"}
          />
          {nameError && (
            <p class="field-error" id="prohibit-name-error" role="alert">
              {nameError}
            </p>
          )}
        </div>
        <ReasonField form="prohibit" state={s} />
        <Submit kind="danger">Prohibit</Submit>
      </Form>
    </section>
  );
}

function NameRow(p: { ctx: PageContext; n: ProhibitedName; i: number; failed?: ActionState }) {
  const { n } = p;
  return (
    <tr data-name={`${n.ecosystem}/${n.name}`}>
      <td>{ECOSYSTEM_LABEL[n.ecosystem]}</td>
      <td>
        <code>{n.name}</code>
        {n.projectExists && <span class="muted"> (an existing project keeps it)</span>}
      </td>
      <td>{n.reason}</td>
      <td>
        {n.createdBy}, <Time ms={n.createdAt} />
      </td>
      <td>
        <Form action="/admin/projects/prohibited/allow" csrf={p.ctx.csrf} label={`Allow ${n.name} again`}>
          <FormError message={p.failed?.error} />
          <input type="hidden" name="ecosystem" value={n.ecosystem} />
          <input type="hidden" name="name" value={n.name} />
          <ReasonField form={`allow-${p.i}`} state={p.failed} />
          <Submit kind="secondary">Allow again</Submit>
        </Form>
      </td>
    </tr>
  );
}

export function NamesPage(ctx: PageContext, s: NamesPageState) {
  return (
    <ConsoleFrame current="/admin/projects">
      <p class="subnav">
        <a href="/admin/projects">Projects</a> /
      </p>
      <h1>Prohibited names</h1>
      {/* A lift refused for a name no longer listed (another admin lifted it first) has no row to sit on. */}
      {s.allow && !s.names.some((n) => `${n.ecosystem}/${n.name}` === s.allow?.key) && (
        <FormError message={s.allow.state.error ?? s.allow.state.errors?.reason} />
      )}
      {s.names.length === 0 ? (
        <p>No name is prohibited.</p>
      ) : (
        <TableScroll label="Prohibited names">
          <thead>
            <tr>
              <th scope="col">Ecosystem</th>
              <th scope="col">Name</th>
              <th scope="col">Reason</th>
              <th scope="col">By, when</th>
              <th scope="col">Lift</th>
            </tr>
          </thead>
          <tbody>
            {s.names.map((n, i) => (
              <NameRow
                key={`${n.ecosystem}/${n.name}`}
                ctx={ctx}
                n={n}
                i={i}
                failed={s.allow?.key === `${n.ecosystem}/${n.name}` ? s.allow.state : undefined}
              />
            ))}
          </tbody>
        </TableScroll>
      )}
      <ProhibitForm ctx={ctx} state={s.prohibit} />
      <LookalikeSection ctx={ctx} s={s.lookalikes} />
    </ConsoleFrame>
  );
}
