import type { ComponentChildren } from "preact";
import type { PageContext } from "../../web/index.js";
import { CONSOLE_SCRIPT_PATH } from "../console-script.js";

/** Console sections, in the order of the navigation bar. */
export const CONSOLE_SECTIONS = [
  { href: "/admin/", label: "Dashboard" },
  { href: "/admin/recovery", label: "Recovery queue" },
  { href: "/admin/users", label: "Users" },
  { href: "/admin/projects", label: "Projects" },
  { href: "/admin/quarantine", label: "Quarantine queue" },
  { href: "/admin/critical", label: "Critical projects" },
  { href: "/admin/mandates", label: "Mandates" },
  { href: "/admin/giveaway", label: "Giveaway" },
  { href: "/admin/domains", label: "Email domains" },
  { href: "/admin/audit", label: "Audit log" },
] as const;

/**
 * The frame of every console page: a sidebar of sections (a menu that folds on phones: the console
 * script closes it there, and without script it stays open), the page beside it, full width.
 */
export function ConsoleFrame(props: { current: string; children: ComponentChildren }) {
  const current = CONSOLE_SECTIONS.find((s) => s.href === props.current);
  return (
    <div class="console">
      <details class="console-nav" id="console-nav" open>
        <summary>
          <span>Console menu</span>
          {current && <span class="muted">{current.label}</span>}
        </summary>
        <nav aria-label="Operator console">
          {CONSOLE_SECTIONS.map((s) => (
            <a key={s.href} href={s.href} aria-current={s.href === props.current ? "page" : undefined}>
              {s.label}
            </a>
          ))}
        </nav>
      </details>
      <div class="console-main">{props.children}</div>
      <script src={CONSOLE_SCRIPT_PATH} defer />
    </div>
  );
}

const REFUSALS = {
  "not-admin": {
    title: "Page not found",
    text: "There is no page at this address.",
  },
  "no-key": {
    title: "Security key required",
    text: "The operator console needs phishing-resistant two-factor authentication. Add a security key or passkey to your account, then sign in with it.",
  },
  "weak-session": {
    title: "Security key required",
    text: "This session was not signed in with a security key or passkey. Sign out, then sign in with your key to open the operator console.",
  },
} as const;

export function ConsoleRefusedPage(_ctx: PageContext, s: { reason: keyof typeof REFUSALS }) {
  const r = REFUSALS[s.reason];
  return (
    <div class="card narrow">
      <h1>{r.title}</h1>
      <p role="alert">{r.text}</p>
      {s.reason !== "not-admin" && (
        <p>
          <a href="/account/two-factor">Two-factor authentication settings</a>
        </p>
      )}
    </div>
  );
}
