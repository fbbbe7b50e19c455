import { Form, FormError, type PageContext, Submit, TableScroll, Time } from "../../web/index.js";
import type { LookalikeAllowance } from "../lookalikes.js";
import { type ActionState, ReasonField } from "./action-form.js";
import { ECOSYSTEM_LABEL, EcosystemSelect } from "./projects.js";

export interface LookalikeSectionState {
  allowances: LookalikeAllowance[];
  /** The allow form: values typed and errors. */
  form?: ActionState;
  /** A failed revocation, keyed by "ecosystem/name". */
  revoke?: { key: string; state: ActionState };
}

function AllowForm(p: { ctx: PageContext; state?: ActionState }) {
  const s = p.state ?? {};
  const nameError = s.errors?.name;
  return (
    <Form action="/admin/projects/lookalikes" csrf={p.ctx.csrf} label="Allow a look-alike name">
      <FormError message={s.error} />
      <EcosystemSelect
        id="lookalike-ecosystem"
        value={s.values?.ecosystem ?? "pypi"}
        error={s.errors?.ecosystem}
      />
      <div class={nameError ? "field has-error" : "field"}>
        <label for="lookalike-name">Exact name</label>
        <input
          id="lookalike-name"
          name="name"
          type="text"
          value={s.values?.name}
          maxlength={214}
          aria-invalid={nameError ? "true" : undefined}
          aria-describedby={nameError ? "lookalike-name-error" : undefined}
        />
        {nameError && (
          <p class="field-error" id="lookalike-name-error" role="alert">
            {nameError}
          </p>
        )}
      </div>
      <ReasonField form="lookalike" state={s} />
      <Submit kind="danger">Allow this name</Submit>
    </Form>
  );
}

function AllowanceRow(p: { ctx: PageContext; a: LookalikeAllowance; i: number; failed?: ActionState }) {
  const { a } = p;
  return (
    <tr data-lookalike={`${a.ecosystem}/${a.name}`}>
      <td>{ECOSYSTEM_LABEL[a.ecosystem]}</td>
      <td>
        <code>{a.name}</code>
      </td>
      <td>{a.reason}</td>
      <td>
        {a.createdBy}, <Time ms={a.createdAt} />
      </td>
      <td>
        <Form action="/admin/projects/lookalikes/revoke" csrf={p.ctx.csrf} label={`Revoke ${a.name}`}>
          <FormError message={p.failed?.error} />
          <input type="hidden" name="ecosystem" value={a.ecosystem} />
          <input type="hidden" name="name" value={a.name} />
          <ReasonField form={`revoke-lookalike-${p.i}`} state={p.failed} />
          <Submit kind="secondary">Revoke</Submit>
        </Form>
      </td>
    </tr>
  );
}

/**
 * Look-alike allowances: a new name that ultranormalizes to an existing project's is refused for
 * everyone; an operator migrating a registry with historic pairs allows one exact name here.
 */
export function LookalikeSection(p: { ctx: PageContext; s: LookalikeSectionState }) {
  const { s } = p;
  const key = (a: LookalikeAllowance) => `${a.ecosystem}/${a.name}`;
  return (
    <section class="card" id="lookalikes" aria-labelledby="lookalikes-h">
      <h2 id="lookalikes-h">Look-alike names allowed</h2>
      <p>
        A new name that differs from an existing project's only by case, separators, l/1 or o/0 is refused for
        everyone, its maintainers included. Allow one exact name here when a migration brings a historic pair
        (such as djangorestframework and django-rest-framework). Its other look-alikes stay refused.
      </p>
      {s.revoke && !s.allowances.some((a) => key(a) === s.revoke?.key) && (
        <FormError message={s.revoke.state.error ?? s.revoke.state.errors?.reason} />
      )}
      {s.allowances.length === 0 ? (
        <p>No look-alike name is allowed.</p>
      ) : (
        <TableScroll label="Allowed look-alike names">
          <thead>
            <tr>
              <th scope="col">Ecosystem</th>
              <th scope="col">Name</th>
              <th scope="col">Reason</th>
              <th scope="col">By, when</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {s.allowances.map((a, i) => (
              <AllowanceRow
                key={key(a)}
                ctx={p.ctx}
                a={a}
                i={i}
                failed={s.revoke?.key === key(a) ? s.revoke.state : undefined}
              />
            ))}
          </tbody>
        </TableScroll>
      )}
      <AllowForm ctx={p.ctx} state={s.form} />
    </section>
  );
}
