import type { ComponentChildren } from "preact";
import type { User } from "../accounts/index.js";
import type { Banner } from "../mandates/index.js";
import { MandateBanner } from "./mandate-banner.js";

export interface Flash {
  kind: "success" | "info" | "error";
  message: string;
}

export interface LayoutProps {
  siteName: string;
  title: string;
  user: User | null;
  csrf: string;
  flash?: Flash | null;
  banners?: Banner[];
  recoveryOpen?: boolean;
  children: ComponentChildren;
}

/** The one page layout: header with the account menu, flash messages, main content, footer. */
export function Layout(p: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${p.title} · ${p.siteName}`}</title>
        <link rel="stylesheet" href="/static/wharf.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <div class="wrap">
            <a class="brand" href="/">
              <span aria-hidden="true">⚓</span> {p.siteName}
            </a>
            <search class="site-search">
              <form method="get" action="/search">
                <label for="site-search-q" class="visually-hidden">
                  Search projects
                </label>
                <input
                  type="search"
                  id="site-search-q"
                  name="q"
                  placeholder="Search projects"
                  maxlength={100}
                />
                <button type="submit" class="button small">
                  Search
                </button>
              </form>
            </search>
            {/* Below 860 px the links fold into a menu; <details> opens it without script. Above, the
                stylesheet shows the content and hides the summary. */}
            <details class="site-menu">
              <summary>Menu</summary>
              <nav aria-label="Account" class="site-nav">
                {p.user ? (
                  <>
                    <a href="/account/projects">Your projects</a>
                    <a href="/account/tokens">API tokens</a>
                    {p.user.isAdmin && <a href="/admin/">Console</a>}
                    <a href="/account/">{p.user.username}</a>
                    <a href="/account/security-history">Security</a>
                    <form method="post" action="/account/logout" class="inline">
                      <input type="hidden" name="_csrf" value={p.csrf} />
                      <button type="submit" class="link">
                        Sign out
                      </button>
                    </form>
                  </>
                ) : (
                  <>
                    <a href="/account/login">Sign in</a>
                    <a href="/account/register" class="button small">
                      Register
                    </a>
                  </>
                )}
              </nav>
            </details>
          </div>
        </header>
        {p.recoveryOpen && (
          <div class="banner mandate enforce" role="alert" id="recovery-banner">
            <div class="wrap">
              A recovery of your account was requested. If it was not you, someone can read your email.{" "}
              <a href="/account/recovery/open">Review and cancel it</a>
            </div>
          </div>
        )}
        {(p.banners ?? []).map((b) => (
          <MandateBanner b={b} key={b.text} />
        ))}
        {p.user && !p.user.emailVerified && (
          <div class="banner warn" role="note">
            <div class="wrap">
              Your email address is not verified yet: you cannot publish until it is.{" "}
              <a href="/account/#email">Resend the link</a>
            </div>
          </div>
        )}
        <main id="main" class="wrap">
          {p.flash && (
            <div class={`alert ${p.flash.kind}`} role="status">
              {p.flash.message}
            </div>
          )}
          {p.children}
        </main>
        <footer class="site-footer">
          <div class="wrap">
            {p.siteName} — a package registry for PyPI, npm and RubyGems clients, with multi-factor
            authentication for every maintainer.
          </div>
        </footer>
      </body>
    </html>
  );
}
