import type { Eligibility } from "../../giveaway/index.js";
import { Form, FormError, Submit } from "../components.js";
import type { PageContext } from "../context.js";

export function GiveawayPage(ctx: PageContext, s: { e: Eligibility; error?: string }) {
  return (
    <div class="card narrow">
      <h1>Free security keys</h1>
      <p>
        Security keys protect your account against phishing. Maintainers of critical projects can claim promo
        codes for up to two keys — one to use, one as a spare.
      </p>
      <FormError message={s.error} />
      <p>{s.e.reason}</p>
      {s.e.claimed.length > 0 && (
        <>
          <h2>Your codes</h2>
          <ul id="giveaway-codes">
            {s.e.claimed.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <p>
            Redeem them at the vendor's shop, then register both keys at{" "}
            <a href="/account/two-factor">Two-factor authentication</a>.
          </p>
        </>
      )}
      {s.e.eligible && (
        <Form action="/account/security-keys" csrf={ctx.csrf} label="Claim a code">
          <Submit>Claim a code ({s.e.remaining} left for you)</Submit>
        </Form>
      )}
    </div>
  );
}
