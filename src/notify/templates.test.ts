import { describe, expect, it } from "vitest";
import * as accounts from "./templates/accounts.js";
import * as admin from "./templates/admin.js";
import type { Site } from "./templates/common.js";
import * as mfa from "./templates/mfa.js";
import * as packages from "./templates/packages.js";
import * as policy from "./templates/policy.js";
import * as publishing from "./templates/publishing.js";
import * as recovery from "./templates/recovery.js";
import * as tokens from "./templates/tokens.js";

/*
 * Every mail, rendered the way a new user would read it. Each template needs samples here (the test
 * fails for one without), with counts of 1 and more so plural mistakes show.
 */

const site: Site = { siteName: "Wharf", origin: "https://wharf.example" };
const now = Date.UTC(2026, 0, 1);
const link = "https://wharf.example/account/x?token=abc";
const mandate = { name: "2FA for all", strength: "any", warnAt: now, enforceAt: now + 86_400_000 };
const critical = {
  username: "alice",
  ecosystem: "pypi",
  sticky: false,
  now,
  deadline: { name: "keys", strength: "phishing-resistant", enforceAt: now - 1 },
};

const samples: Record<string, Record<string, unknown[]>> = {
  accounts: {
    verifyEmail: [{ username: "alice", link }],
    resetPassword: [{ username: "alice", link }],
    passwordChanged: [
      { username: "alice", how: "changed" },
      { username: "alice", how: "reset" },
    ],
    changeEmail: [{ username: "alice", link }],
    emailChangeNotice: [
      { username: "alice", newEmail: "a@new.example", stage: "requested" },
      { username: "alice", newEmail: "a@new.example", stage: "changed" },
    ],
    registrationAttempt: [{ username: "alice" }],
  },
  admin: {
    frozen: [{ username: "alice", reason: "spam" }],
    unfrozen: [{ username: "alice", reason: "appeal accepted" }],
    signedOutEverywhere: [{ username: "alice", reason: "leaked token" }],
  },
  mfa: {
    clonedKeyRefused: [{ username: "alice", label: "Blue", next: 3, stored: 5 }],
    keyAdded: [
      { username: "alice", kind: "passkey", label: "Phone", codes: true },
      { username: "alice", kind: "security-key", label: "Blue", codes: false },
    ],
    keyRemoved: [
      { username: "alice", kind: "passkey", label: "Phone" },
      { username: "alice", kind: "security-key", label: "Blue" },
    ],
    recoveryCodeUsed: [0, 1, 2, 9].map((left) => ({ username: "alice", left })),
    totpReplayed: [{ username: "alice" }],
    failuresBurst: [{ username: "alice" }],
    totpAdded: [
      { username: "alice", codes: true },
      { username: "alice", codes: false, fromCli: true },
    ],
    totpRemoved: [{ username: "alice" }, { username: "alice", fromCli: true }],
    recoveryCodesRegenerated: [{ username: "alice" }],
    newBrowserSignIn: [
      { username: "alice", method: "totp", userAgent: "", ip: "10.0.0.1", at: now },
      { username: "alice", method: "recovery_code", userAgent: "Firefox", ip: "10.0.0.1", at: now },
    ],
    factorsReset: [{ username: "alice", reason: "lost phone, identity checked" }],
  },
  packages: {
    invitation: [
      { username: "bob", by: "alice", project: "demo", role: "owner" },
      { username: "bob", by: "alice", project: "demo", role: "maintainer" },
    ],
    madeOwner: [{ username: "bob", by: "alice", project: "demo" }],
    madeScopeOwner: [{ username: "bob", by: "alice", scope: "acme" }],
    lookalikeHeld: [
      { username: "alice", project: "requests", lookalike: "reqeusts", why: "one or two letters differ" },
    ],
    releaseStaged: [
      {
        username: "alice",
        project: "widget",
        version: "2.0",
        by: "ci-bot (with an API token)",
        link: "https://wharf.example/staged/0b7c1e9a-2f4d-4c1e-9d3a-6f1e2d3c4b5a",
        expires: "2027-01-15 12:00 UTC",
      },
    ],
    stagingRuleChanged: [
      {
        username: "alice",
        project: "widget",
        by: "bob",
        rule: "wait for a maintainer's approval with a security key or passkey",
        previous: "publish directly",
        managePath: "/manage/project/widget/",
      },
    ],
  },
  policy: {
    critical: [
      { ...critical, projects: [{ name: "demo", why: "the top 1% of projects by downloads" }] },
      {
        ...critical,
        deadline: null,
        projects: [
          { name: "a", why: "x" },
          { name: "b", why: "y" },
        ],
      },
      { ...critical, deadline: { ...mandate, strength: "any", enforceAt: now + 1 }, projects: [] },
      { ...critical, projects: [], removed: [{ name: "old", why: "it is no longer among x." }] },
      {
        ...critical,
        projects: [{ name: "new", why: "x" }],
        removed: [
          { name: "old", why: "y", ecosystem: "npm" },
          { name: "older", why: "z" },
        ],
      },
    ],
    notCritical: [{ username: "alice", ecosystem: "npm", project: "demo", why: "it is no longer among x." }],
    mandateNotice: [
      { username: "alice", mandate, projects: ["*"], now },
      {
        username: "alice",
        mandate: { ...mandate, strength: "phishing-resistant" },
        projects: ["a", "b"],
        now: now - 1,
      },
      { username: "alice", mandate, projects: ["demo"], now: now + 2 * 86_400_000 },
    ],
    uploadReminder: [{ username: "alice", mandate, projects: ["demo"], project: "demo", now }],
    mandateEnforced: [
      { username: "alice", mandates: [{ ...mandate, projects: ["*"] }] },
      {
        username: "alice",
        mandates: [
          { ...mandate, projects: ["a", "b"] },
          { ...mandate, name: "Keys", strength: "phishing-resistant", projects: ["c"] },
        ],
      },
    ],
  },
  publishing: {
    publisherAdded: [
      {
        username: "bob",
        project: "demo",
        publisher: "GitHub acme/demo, workflow release.yml, any environment",
        managePath: "/manage/project/demo/",
        by: "alice",
        via: "on the web",
      },
    ],
    publisherRemoved: [
      {
        username: "bob",
        project: "@acme/demo",
        publisher: "GitLab acme/demo, .gitlab-ci.yml, environment release",
        managePath: "/manage/package/@acme/demo/",
        by: "alice",
        via: "with npm trust revoke",
      },
    ],
    publisherFirstUsed: [
      {
        username: "alice",
        project: "demo",
        publisher: "GitHub acme/demo, workflow release.yml, any environment",
        managePath: "/manage/project/demo/",
        run: "https://github.com/acme/demo/actions/runs/42",
      },
      {
        username: "alice",
        project: "demo",
        publisher: "GitLab acme/demo, .gitlab-ci.yml, any environment",
        managePath: "/manage/project/demo/",
        run: null,
      },
    ],
    pendingPublisherUsed: [
      {
        username: "alice",
        project: "demo",
        publisher: "GitHub acme/demo, workflow release.yml, any environment",
        managePath: "/manage/project/demo/",
        run: "https://github.com/acme/demo/actions/runs/42",
      },
    ],
  },
  recovery: {
    confirmRecovery: [{ username: "alice", link }],
    waiting: [
      {
        username: "alice",
        waitUntil: now,
        ip: "10.0.0.1",
        userAgent: "",
        proofs: [],
        cancelLink: link,
        stopLink: link,
      },
    ],
    queued: [{ username: "alice", ip: "10.0.0.1", cancelLink: link, stopLink: link }],
    coMaintainer: [{ who: "bob", account: "alice", waitUntil: now }],
    cancelled: [{ username: "alice", why: "stopped by the account's owner" }],
    denied: [{ username: "alice", reason: "No proof of ownership." }],
    completed: [{ username: "alice", link }],
    coMaintainerCompleted: [{ who: "bob", account: "alice" }],
  },
  tokens: {
    tokenCreated: [
      { username: "alice", name: "ci", projects: [] },
      { username: "alice", name: "ci", projects: ["demo"] },
      { username: "alice", name: "ci", projects: ["a", "b"] },
    ],
    cliTokenCreated: [
      { username: "alice", name: "npm", via: "npm login", scope: [], readonly: true, bypass2fa: true },
    ],
    tokenRevoked: [{ username: "alice", name: "ci" }],
    tokenLeaked: [
      {
        username: "alice",
        name: "ci",
        url: "https://github.com/acme/widget/blob/0123abc/.env",
        source: "content",
        by: "GitHub secret scanning",
      },
      { username: "alice", name: "ci", url: "", source: "", by: "the registry's operators" },
    ],
    operatorToken: [{ username: "alice", name: "bootstrap" }],
  },
};

type AnyTemplate = (s: Site, v: unknown) => { subject: string; text: string };
const modules: Record<string, Record<string, unknown>> = {
  accounts,
  admin,
  mfa,
  packages,
  policy,
  publishing,
  recovery,
  tokens,
};

const rendered = Object.entries(modules).flatMap(([mod, exports]) =>
  Object.entries(exports)
    .filter(([, f]) => typeof f === "function")
    .map(([name, f]) => ({
      id: `${mod}.${name}`,
      vars: samples[mod]?.[name],
      render: (v: unknown) => (f as AnyTemplate)(site, v),
    })),
);

/** Paragraph starts that may be lower case: a bare link or a list item. (Subjects may start with a name.) */
const exempt = (para: string) => /^(https?:\/\/|\s+- )/.test(para);

function copyProblems(subject: string, text: string): string[] {
  const problems: string[] = [];
  const all = `${subject}\n${text}`;
  if (all.includes("(s)")) problems.push('"(s)" plural');
  const onePlural = all.match(
    /(?<![\d.])1 (day|hour|minute|second|code|session|project|account|token|key|browser|maintainer)s\b/,
  );
  if (onePlural) problems.push(`"${onePlural[0]}"`);
  const jargon = all.match(/\b(ASVS|NIST|OWASP)\b/);
  if (jargon) problems.push(`standards jargon "${jargon[0]}"`);
  if (!text.startsWith("Hello ")) problems.push("no greeting");
  for (const para of text.split("\n\n").slice(1)) {
    if (!exempt(para) && /^[a-z]/.test(para))
      problems.push(`paragraph starts in lower case: ${para.slice(0, 40)}`);
  }
  const lowerAfterStop = text.match(/[a-z)][.!?] [a-z]\w*/);
  if (lowerAfterStop) problems.push(`sentence starts in lower case: "${lowerAfterStop[0]}"`);
  return problems;
}

describe("every mail template", () => {
  it("has sample vars here, so none goes unchecked", () => {
    expect(rendered.filter((t) => !t.vars?.length).map((t) => t.id)).toEqual([]);
    expect(rendered.length).toBeGreaterThan(30);
  });

  it.each(rendered.map((t) => [t.id, t] as const))("%s renders readable copy", (_id, t) => {
    for (const v of t.vars ?? []) {
      const { subject, text } = t.render(v);
      expect(subject.length).toBeGreaterThan(0);
      expect(text).toContain("— Wharf");
      expect(copyProblems(subject, text)).toEqual([]);
    }
  });

  it("catches the copy mistakes it is meant to catch", () => {
    expect(copyProblems("X", "Hello a,\n\nyour code. 1 days left")).toHaveLength(2);
    expect(copyProblems("X", "Hello a,\n\nOk. 2 code(s) remain (ASVS 2.2.3).")).toHaveLength(2);
  });

  it("names a passkey a passkey, and counts codes properly", () => {
    expect(mfa.keyAdded(site, { username: "a", kind: "passkey", label: "P", codes: false }).subject).toBe(
      "Passkey added",
    );
    expect(mfa.recoveryCodeUsed(site, { username: "a", left: 1 }).text).toContain("1 unused code remains.");
    expect(mfa.recoveryCodeUsed(site, { username: "a", left: 3 }).text).toContain("3 unused codes remain.");
  });
});
