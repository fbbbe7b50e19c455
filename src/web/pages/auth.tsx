import { PASSWORD_MAX, PASSWORD_MIN } from "../../accounts/index.js";
import { Field, Form, FormError, Submit } from "../components.js";
import type { PageContext } from "../context.js";
import { WebAuthnButton } from "../webauthn-ui.js";

/** State a form page is re-rendered with after a failed POST: the values typed and the errors. */
export interface FormState {
  values?: Record<string, string>;
  errors?: Record<string, string>;
  error?: string;
}

const passwordHint = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters. Common passwords are refused; a passphrase of several words works well.`;

export function RegisterPage(ctx: PageContext, s: FormState & { closed: boolean }) {
  return (
    <div class="card narrow">
      <h1>Create an account</h1>
      {s.closed ? (
        <p>Registration is closed on this registry. Ask its operators for an account.</p>
      ) : (
        <Form action="/account/register" csrf={ctx.csrf} label="Create an account">
          <FormError message={s.error} />
          <Field
            name="username"
            label="Username"
            autocomplete="username"
            value={s.values?.username}
            error={s.errors?.username}
            hint="Letters, digits, '-', '_' and '.'; up to 50 characters."
            maxlength={50}
            autofocus
          />
          <Field
            name="email"
            label="Email address"
            type="email"
            autocomplete="email"
            value={s.values?.email}
            error={s.errors?.email}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            error={s.errors?.password}
            hint={passwordHint}
          />
          <Submit>Create account</Submit>
          <p class="muted">
            Already have an account? <a href="/account/login">Sign in</a>
          </p>
        </Form>
      )}
    </div>
  );
}

export function LoginPage(ctx: PageContext, s: FormState & { next: string }) {
  return (
    <div class="card narrow">
      <h1>Sign in</h1>
      <Form action={`/account/login?next=${encodeURIComponent(s.next)}`} csrf={ctx.csrf} label="Sign in">
        <FormError message={s.error} />
        <Field
          name="username"
          label="Username or email"
          autocomplete="username"
          value={s.values?.username}
          error={s.errors?.username}
          autofocus
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          error={s.errors?.password}
        />
        <Submit>Sign in</Submit>
        <p class="muted">
          <a href="/account/forgot-password">Forgot your password?</a> ·{" "}
          <a href="/account/register">Create an account</a> ·{" "}
          <a href="/help/account-recovery">Lost your second factor?</a>
        </p>
      </Form>
      <WebAuthnButton mode="passkey" csrf={ctx.csrf} next={s.next} label="Sign in with a passkey">
        <p class="muted">Or, without a password:</p>
      </WebAuthnButton>
    </div>
  );
}

export function ForgotPasswordPage(ctx: PageContext, s: FormState & { sent?: boolean }) {
  return (
    <div class="card narrow">
      <h1>Reset your password</h1>
      {s.sent ? (
        <p role="status" id="reset-sent">
          If an account matches, we have sent a link to its email address. It works for one hour, once.
        </p>
      ) : (
        <Form action="/account/forgot-password" csrf={ctx.csrf} label="Reset your password">
          <FormError message={s.error} />
          <Field
            name="login"
            label="Username or email"
            autocomplete="username"
            value={s.values?.login}
            error={s.errors?.login}
            autofocus
          />
          <Submit>Email me a link</Submit>
        </Form>
      )}
    </div>
  );
}

export function ResetPasswordPage(ctx: PageContext, s: FormState & { token: string; username?: string }) {
  return (
    <div class="card narrow">
      <h1>Choose a new password</h1>
      {s.username ? (
        <Form action="/account/reset-password" csrf={ctx.csrf} label="Choose a new password">
          <FormError message={s.error} />
          <input type="hidden" name="token" value={s.token} />
          <p>
            For the account <strong>{s.username}</strong>. Every signed-in session will be signed out.
          </p>
          <Field
            name="password"
            label="New password"
            type="password"
            autocomplete="new-password"
            error={s.errors?.password}
            hint={passwordHint}
          />
          <Submit>Set password</Submit>
        </Form>
      ) : (
        <>
          <FormError message={s.error} />
          <p>
            <a href="/account/forgot-password">Request a new link</a>
          </p>
        </>
      )}
    </div>
  );
}

/**
 * Links open a confirmation page and the change happens on POST: mail scanners that prefetch links
 * would otherwise spend single-use tokens before the person clicks.
 */
export function ConfirmLinkPage(
  ctx: PageContext,
  s: { title: string; action: string; token: string; text: string; error?: string; button: string },
) {
  return (
    <div class="card narrow">
      <h1>{s.title}</h1>
      {s.error ? (
        <FormError message={s.error} />
      ) : (
        <Form action={s.action} csrf={ctx.csrf} label={s.title}>
          <input type="hidden" name="token" value={s.token} />
          <p>{s.text}</p>
          <Submit>{s.button}</Submit>
        </Form>
      )}
    </div>
  );
}

export function SudoPage(
  ctx: PageContext,
  s: FormState & { next: string; needsFactor: boolean; hasKey: boolean },
) {
  return (
    <div class="card narrow">
      <h1>Confirm it is you</h1>
      <p>
        This is a sensitive action.{" "}
        {s.needsFactor ? "Enter your password and a second factor" : "Enter your password again"}; you will
        not be asked again for 15 minutes.
      </p>
      <Form
        action={`/account/sudo?next=${encodeURIComponent(s.next)}`}
        csrf={ctx.csrf}
        label="Confirm it is you"
      >
        <FormError message={s.error} />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          error={s.errors?.password}
          autofocus
        />
        {s.needsFactor && (
          <Field
            name="code"
            label="Authenticator code or recovery code"
            autocomplete="one-time-code"
            error={s.errors?.code ?? s.errors?.recovery_code}
            maxlength={40}
          />
        )}
        <Submit>Confirm</Submit>
      </Form>
      {s.hasKey && (
        <WebAuthnButton mode="sudo" csrf={ctx.csrf} next={s.next} label="Use a passkey">
          <p>Or confirm with a passkey alone:</p>
        </WebAuthnButton>
      )}
    </div>
  );
}
