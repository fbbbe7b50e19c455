import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountErrors } from "../accounts/index.js";
import { findLink } from "../mail/index.js";
import { createTestApp, FormClient, type TestApp, testDatabases, textOf } from "../test-support/index.js";
import { checkFields, FieldErrors, formFailure, required } from "./forms.js";
import { accountToken, projectIdOf, publish, signedInUser } from "./test-fixtures.js";

/** The ids of the fields a page marks invalid, in page order. */
const invalidFields = (html: string) =>
  [...html.matchAll(/<input[^>]*\bid="([^"]+)"[^>]*aria-invalid="true"/g)].map((m) => m[1]);
const checked = (html: string, id: string) => new RegExp(`<input[^>]*id="${id}"[^>]*checked`).test(html);

describe("checkFields", () => {
  it("collects every failing check under its own key, skipping the checks that are switched off", () => {
    let thrown: unknown;
    try {
      checkFields({
        username: () => {
          throw accountErrors.USERNAME_INVALID();
        },
        // The policy names its field "password"; the form's key decides where the message goes.
        new_password: () => {
          throw accountErrors.PASSWORD_TOO_SHORT();
        },
        email: () => "fine@example.com",
        skipped: false,
        blank: required("  ", "Fill in the blank."),
      });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FieldErrors);
    expect((thrown as FieldErrors).status).toBe(400);
    expect((thrown as FieldErrors).errors).toEqual({
      username: accountErrors.USERNAME_INVALID().message,
      new_password: accountErrors.PASSWORD_TOO_SHORT().message,
      blank: "Fill in the blank.",
    });
  });

  it("passes when every check passes, and lets an unexpected error through untouched", () => {
    expect(() => checkFields({ a: () => 1, b: required("x", "no") })).not.toThrow();
    const bug = new TypeError("bug");
    expect(() =>
      checkFields({
        a: () => {
          throw bug;
        },
      }),
    ).toThrow(bug);
  });

  it("becomes form state with every message beside its field and no secret echoed back", () => {
    const headers: string[] = [];
    const reply = { header: (k: string) => headers.push(k) } as unknown as Parameters<typeof formFailure>[1];
    const e = new FieldErrors({ username: "u", password: "p" });
    const { state, status } = formFailure(e, reply, { username: "x!", password: "hunter2", api_token: "t" });
    expect(status).toBe(400);
    expect(state).toEqual({ values: { username: "x!" }, errors: { username: "u", password: "p" } });
  });
});

describe.each(testDatabases())("forms report every error at once on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-forms-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("register: a bad username, a bad email and a short password are all reported, typed values kept, nothing stored", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/register");
    const res = await web.post("/account/register", {
      username: "-bad name-",
      email: "nope",
      password: "short",
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "username-error")).toBe(accountErrors.USERNAME_INVALID().message);
    expect(textOf(res.body, "email-error")).toBe(accountErrors.EMAIL_INVALID().message);
    expect(textOf(res.body, "password-error")).toBe(accountErrors.PASSWORD_TOO_SHORT().message);
    expect(invalidFields(res.body)).toEqual(["username", "email", "password"]);
    expect(res.body).toMatch(/id="username"[^>]*aria-describedby="username-hint username-error"/);
    expect(res.body).toContain('value="-bad name-"');
    expect(res.body).toContain('value="nope"');
    expect(res.body).not.toContain("short");
    expect(await t.deps.db.selectFrom("users").select("id").execute()).toHaveLength(0);
  });

  it("sign in: both empty fields are reported before any attempt is counted", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/login");
    const res = await web.post("/account/login", { username: " ", password: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "username-error")).toBe("Enter your username or email address.");
    expect(textOf(res.body, "password-error")).toBe("Enter your password.");
    expect(invalidFields(res.body)).toEqual(["username", "password"]);
    expect(await t.deps.db.selectFrom("events").select("id").execute()).toHaveLength(0);
  });

  it("password change: a missing current password and a too-short new one are both reported", async () => {
    const { web } = await signedInUser(t, "alice");
    await web.get("/account/");
    const res = await web.post("/account/password", { current_password: "", new_password: "short" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "current_password-error")).toBe("Enter your current password.");
    expect(textOf(res.body, "new_password-error")).toBe(accountErrors.PASSWORD_TOO_SHORT().message);
  });

  it("password reset: a dead link is said first; with a live one, the password by the same rule as elsewhere", async () => {
    await signedInUser(t, "alice");
    const web = new FormClient(t.app);
    await web.get("/account/forgot-password");
    const dead = await web.post("/account/reset-password", { token: "expired", password: "short" });
    expect(dead.statusCode).toBe(400);
    expect(dead.body).not.toContain('id="password-error"');
    await web.get("/account/forgot-password");
    await web.post("/account/forgot-password", { login: "alice" });
    const mail = (await t.outbox()).find((m) => m.subject.includes("Reset your password"));
    const token =
      new URL(findLink(mail?.text ?? "", "/account/reset-password") ?? "http://x/").searchParams.get(
        "token",
      ) ?? "";
    await web.get(`/account/reset-password?token=${encodeURIComponent(token)}`);
    const res = await web.post("/account/reset-password", { token, password: "alice" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "password-error")).toBe(accountErrors.PASSWORD_TOO_SHORT().message);
    const same = await web.post("/account/reset-password", { token, password: "alice@example.com" });
    expect(textOf(same.body, "password-error")).toBe(accountErrors.PASSWORD_SAME_AS_NAME().message);
  });

  it("API token: a blank name, no project ticked and a bad expiry are all reported, the name kept", async () => {
    const { web, user } = await signedInUser(t, "alice");
    await publish(t, dir, await accountToken(t, user.id), "proj-a", "1.0");
    await web.get("/account/tokens");
    const res = await web.post("/account/tokens", { name: "  ", scope: "projects", expires: "0" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "name-error")).toContain("Give the token a name");
    expect(textOf(res.body, "projects-error")).toContain("Pick at least one project");
    expect(textOf(res.body, "expires-error")).toContain("whole number of days");
    expect(checked(res.body, "scope-projects")).toBe(true);
    const other = await web.post("/account/tokens", { name: "kept", scope: "bogus", expires: "" });
    expect(textOf(other.body, "projects-error")).toBe("Choose what the token may publish to.");
    expect(other.body).toContain('value="kept"');
    expect(
      await t.deps.db.selectFrom("api_tokens").select("id").where("user_id", "=", user.id).execute(),
    ).toHaveLength(1);
  });

  it("security key without JavaScript: a blank name is reported at the field, in red", async () => {
    const { web } = await signedInUser(t, "alice");
    await web.get("/account/two-factor/keys");
    const res = await web.post("/account/two-factor/keys", {
      label: " ",
      key_kind: "",
      challenge_id: "",
      response: "",
      kind: "",
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "label-error")).toBe("Give the key a name of 1 to 64 characters.");
    expect(res.body).toMatch(/<p class="field-error" id="label-error" role="alert">/);
    expect(invalidFields(res.body)).toEqual(["label"]);
  });

  it("authenticator app: a code that is not 6 digits is reported at the code field", async () => {
    const { web } = await signedInUser(t, "alice");
    const page = await web.get("/account/two-factor/totp");
    const sealed = /name="sealed" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    expect(sealed).not.toBe("");
    const res = await web.post("/account/two-factor/totp", { sealed, code: "12a" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "code-error")).toBe("Enter the 6-digit code from your authenticator app.");
  });

  it("invite: a malformed username and an unknown role are both reported", async () => {
    const { web, user } = await signedInUser(t, "alice");
    await publish(t, dir, await accountToken(t, user.id), "proj-a", "1.0");
    await web.get("/manage/project/proj-a/");
    const res = await web.post("/manage/project/proj-a/invite", { username: "-x-", role: "admin" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "username-error")).toBe(accountErrors.USERNAME_INVALID().message);
    expect(textOf(res.body, "role-error")).toBeTruthy();
    expect(res.body).toContain('value="-x-"');
  });

  it("confirming it is you: an empty password is reported before it is tried", async () => {
    const { web } = await signedInUser(t, "alice");
    await web.get("/account/sudo");
    const res = await web.post("/account/sudo", { password: "", code: "" });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, "password-error")).toBe("Enter your password.");
    const failures = await t.deps.db
      .selectFrom("events")
      .select("id")
      .where("type", "=", "login.failure")
      .execute();
    expect(failures).toHaveLength(0);
  });

  it("account recovery and forgotten password: an empty field is reported beside it", async () => {
    const web = new FormClient(t.app);
    await web.get("/account/recovery");
    const rec = await web.post("/account/recovery", { login: " " });
    expect(rec.statusCode).toBe(400);
    expect(textOf(rec.body, "login-error")).toBe("Enter your username or email address.");
    await web.get("/account/forgot-password");
    const forgot = await web.post("/account/forgot-password", { login: "" });
    expect(forgot.statusCode).toBe(400);
    expect(textOf(forgot.body, "login-error")).toBe("Enter your username or email address.");
  });
});

describe.each(testDatabases())("token form defaults on %s", (kind) => {
  let t: TestApp;
  let dir: string;
  beforeEach(async () => {
    t = await createTestApp(kind);
    dir = mkdtempSync(join(tmpdir(), "wharf-forms-"));
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("with no project: the whole account is chosen, the other option says why it is off, and the first submit succeeds", async () => {
    const { web } = await signedInUser(t, "alice");
    const page = await web.get("/account/tokens");
    expect(checked(page.body, "scope-account")).toBe(true);
    expect(page.body).toMatch(/id="scope-projects"[^>]*disabled[^>]*aria-describedby="scope-projects-hint"/);
    expect(textOf(page.body, "scope-projects-hint")).toContain("You have no project yet");
    const res = await web.post("/account/tokens", { name: "first", scope: "account", expires: "" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="new-token"');
  });

  it("with projects: the whole account is still the default, so the form's defaults always submit", async () => {
    const { web, user } = await signedInUser(t, "alice");
    await publish(t, dir, await accountToken(t, user.id), "proj-a", "1.0");
    const page = await web.get("/account/tokens");
    expect(checked(page.body, "scope-account")).toBe(true);
    expect(checked(page.body, "scope-projects")).toBe(false);
  });

  it("opened from a project's manage page: only that project is chosen and ticked, and the defaults submit", async () => {
    const { web, user } = await signedInUser(t, "alice");
    const bootstrap = await accountToken(t, user.id);
    await publish(t, dir, bootstrap, "Proj_A", "1.0");
    await publish(t, dir, bootstrap, "proj-b", "1.0");
    const a = await projectIdOf(t, "proj-a");
    const b = await projectIdOf(t, "proj-b");
    const manage = await web.get("/manage/project/proj-a/");
    const href = /<a href="([^"]+)" id="token-for-project">/.exec(manage.body)?.[1]?.replace(/&amp;/g, "&");
    expect(href).toBe("/account/tokens?project=pypi%2FProj_A#create");
    const page = await web.get(String(href).replace(/#.*/, ""));
    expect(checked(page.body, "scope-projects")).toBe(true);
    expect(checked(page.body, `project-${a}`)).toBe(true);
    expect(checked(page.body, `project-${b}`)).toBe(false);
    expect(page.body).toContain('action="/account/tokens?project=pypi%2FProj_A"');
    // What a browser sends for those defaults.
    const res = await web.post("/account/tokens?project=pypi%2FProj_A", {
      name: "ci",
      scope: "projects",
      projects: a,
    });
    expect(res.statusCode).toBe(200);
    const scoped = await t.deps.db
      .selectFrom("api_token_projects")
      .innerJoin("api_tokens", "api_tokens.id", "api_token_projects.token_id")
      .select("api_token_projects.project_id")
      .where("api_tokens.name", "=", "ci")
      .execute();
    expect(scoped.map((r) => r.project_id)).toEqual([a]);
    // A name that matches none of the user's projects falls back to the whole account.
    const stray = await web.get("/account/tokens?project=pypi%2Fnot-mine");
    expect(checked(stray.body, "scope-account")).toBe(true);
  });
});
