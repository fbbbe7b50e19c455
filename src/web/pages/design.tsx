import { Field, Form, FormError, Pager, Submit, TableScroll, Time } from "../components.js";
import type { PageContext } from "../context.js";

/**
 * Every component of the design system on one page (/help/design): the reference for people writing
 * pages and what the screenshot tests look at, so a style change shows up in one picture. Forms post
 * nowhere useful on purpose (their action is this page, which has no POST route).
 */
export function DesignPage(ctx: PageContext, p: { now: number }) {
  return (
    <>
      <h1>Design system</h1>
      <p class="muted">
        The building blocks of these pages. Styles live in <code>src/web/styles/</code>, components in{" "}
        <code>src/web/components.tsx</code>.
      </p>

      <section class="card" aria-labelledby="design-tokens">
        <h2 id="design-tokens">Colours, type and spacing</h2>
        <div class="swatches">
          <span class="swatch accent">accent</span>
          <span class="swatch accent-strong">accent-strong</span>
          <span class="swatch accent-soft">accent-soft</span>
          <span class="swatch header">header</span>
          <span class="swatch info">info</span>
          <span class="swatch ok">ok</span>
          <span class="swatch warn">warn</span>
          <span class="swatch danger">danger</span>
        </div>
        <div class="type-scale">
          <p class="h-xl">Heading 1 — 1.75 rem</p>
          <p class="h-lg">Heading 2 — 1.3 rem</p>
          <p class="h-md">Heading 3 — 1.125 rem</p>
          <p>
            Body text — 1 rem, with a <a href="/help/account-recovery">link to the recovery policy</a> and
            some <code>inline code</code>.
          </p>
          <p class="small muted">Small muted text — 0.875 rem</p>
        </div>
        <div class="space-scale" role="img" aria-label="Spacing scale: 4, 8, 12, 16, 24, 32 and 48 pixels">
          <span class="s1" />
          <span class="s2" />
          <span class="s3" />
          <span class="s4" />
          <span class="s5" />
          <span class="s6" />
          <span class="s7" />
        </div>
      </section>

      <section class="card" aria-labelledby="design-buttons">
        <h2 id="design-buttons">Buttons</h2>
        <div class="form-actions">
          <button type="button" class="button primary">
            Primary action
          </button>
          <button type="button" class="button secondary">
            Secondary
          </button>
          <button type="button" class="button danger">
            Remove
          </button>
          <button type="button" class="button danger solid">
            Delete for good
          </button>
          <button type="button" class="button primary" disabled>
            Disabled
          </button>
          <button type="button" class="button secondary small">
            Small
          </button>
          <button type="button" class="link">
            Link-like button
          </button>
        </div>
      </section>

      <section class="card" aria-labelledby="design-alerts">
        <h2 id="design-alerts">Alerts and banners</h2>
        <div class="alert success" role="status">
          Two-factor authentication is on.
        </div>
        <div class="alert info">Tokens are shown once: copy yours now.</div>
        <div class="alert warn">Your recovery codes are running low: 2 left.</div>
        <div class="alert error">That code was already used. Wait for the next one.</div>
        <div class="banner mandate notice" data-phase="notice">
          <div class="wrap">Notice: two-factor authentication will be required from 1 March.</div>
        </div>
        <div class="banner mandate warn" data-phase="warn">
          <div class="wrap">Warning: you can publish until 1 March without two-factor authentication.</div>
        </div>
        <div class="banner mandate enforce" data-phase="enforce">
          <div class="wrap">Required: publishing needs two-factor authentication.</div>
        </div>
        <p>
          Badges: <span class="badge">neutral</span> <span class="badge ok">protected</span>{" "}
          <span class="badge warn">pending</span> <span class="badge danger">frozen</span>{" "}
          <span class="badge accent">critical</span> <span class="state">waiting</span>
        </p>
      </section>

      <section class="card" aria-labelledby="design-forms">
        <h2 id="design-forms">Forms</h2>
        <Form action="/help/design" csrf={ctx.csrf} label="Example form">
          <FormError message="Two fields need your attention." />
          <Field name="example-name" label="Name" hint="What you call this key." value="Blue key" />
          <Field
            name="example-email"
            label="Email address"
            type="email"
            value="not-an-address"
            error="This is not an email address."
          />
          <Field name="example-password" label="Password" type="password" autocomplete="off" />
          <fieldset>
            <legend class="sr-only">Scope</legend>
            <div class="choice">
              <input type="radio" id="example-scope-all" name="example-scope" value="all" checked />
              <label for="example-scope-all">Whole account</label>
            </div>
            <div class="choice">
              <input type="radio" id="example-scope-some" name="example-scope" value="some" />
              <label for="example-scope-some">Only these projects</label>
            </div>
            <ul class="checklist">
              <li class="choice">
                <input type="checkbox" id="example-project" name="example-project" value="demo" />
                <label for="example-project">demo-pkg</label>
              </li>
            </ul>
          </fieldset>
          <div class="field">
            <label for="example-select">Ecosystem</label>
            <select id="example-select" name="example-select">
              <option>PyPI</option>
              <option>npm</option>
            </select>
          </div>
          <div class="field">
            <label for="example-reason">Reason</label>
            <textarea id="example-reason" name="example-reason" />
          </div>
          <div class="form-actions">
            <Submit>Save</Submit>
            <Submit kind="secondary">Cancel</Submit>
          </div>
        </Form>
        <p>An inline rename form, as in a table cell:</p>
        <Form action="/help/design" csrf={ctx.csrf} class="inline" label="Rename example">
          <label class="sr-only" for="example-rename">
            New name
          </label>
          <input id="example-rename" name="label" value="Blue key" autocomplete="off" />{" "}
          <Submit kind="secondary">Rename</Submit>
        </Form>
      </section>

      <section class="card" aria-labelledby="design-tables">
        <h2 id="design-tables">Tables</h2>
        <p>Wide tables scroll inside their box on a narrow screen; the page itself never scrolls sideways.</p>
        <TableScroll label="Example security keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Added</th>
              <th scope="col">Last used</th>
              <th scope="col">Credential</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Blue key</td>
              <td>
                Security key <span class="badge">synced</span>
              </td>
              <td>
                <Time ms={p.now} />
              </td>
              <td>
                <span class="muted">never</span>
              </td>
              <td>
                <code class="hash">2f8a1c0e9b7d4a3f6e5c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0</code>
              </td>
            </tr>
            <tr>
              <td>Laptop passkey</td>
              <td>Passkey</td>
              <td>
                <Time ms={p.now - 86_400_000} />
              </td>
              <td>
                <Time ms={p.now} />
              </td>
              <td>
                <code class="hash">9c7b5a3f1e0d2c4b6a8f0e1d3c5b7a9f2e4d6c8b0a1f3e5d7c9b2a4f6e8d0c1b3</code>
              </td>
            </tr>
          </tbody>
        </TableScroll>
        <Pager prevHref="/help/design" nextHref="/help/design" current="Page 2" />
      </section>

      <section class="card" aria-labelledby="design-code">
        <h2 id="design-code">Code and secrets</h2>
        <pre>
          <code>pip install --index-url https://registry.example/simple/ demo-pkg</code>
        </pre>
        <p>
          A secret shown once: <code class="secret">wharf_Example0nlyNotARealToken</code>
        </p>
      </section>
    </>
  );
}
