import type { PageContext } from "../context.js";

export function HomePage(ctx: PageContext, s: { siteName: string; origin: string }) {
  return (
    <>
      <section class="hero">
        <h1>{s.siteName}</h1>
        <p>
          A package registry for Python and JavaScript. Publish with <code>twine</code> and <code>npm</code>,
          install with <code>pip</code> and <code>npm</code>, and protect every maintainer account with a
          second factor.
        </p>
        {!ctx.user && (
          <p>
            <a class="button primary" href="/account/register">
              Create an account
            </a>{" "}
            <a class="button secondary" href="/account/login">
              Sign in
            </a>
          </p>
        )}
      </section>
      <div class="grid">
        <section class="card">
          <h2>pip</h2>
          <p>
            <code>pip install --index-url {s.origin}/simple/ NAME</code>
          </p>
        </section>
        <section class="card">
          <h2>npm</h2>
          <p>
            <code>npm config set registry {s.origin}/npm/</code>
          </p>
        </section>
      </div>
    </>
  );
}

export function ErrorPage(_ctx: PageContext, s: { status: number; message: string }) {
  return (
    <div class="card narrow">
      <h1>{s.status === 404 ? "Page not found" : s.status === 429 ? "Slow down" : "Something went wrong"}</h1>
      <p role="alert">{s.message}</p>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </div>
  );
}
