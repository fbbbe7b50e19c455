import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { DAY, MINUTE } from "../../src/lib/clock.js";
import { findLink } from "../../src/mail/index.js";
import { factorSummary } from "../../src/mfa/index.js";
import { completeDueRecoveries, decideRequest, getRequest, openRequestOf } from "../../src/recovery/index.js";
import { missing, testDatabases, tokenFor } from "../../src/test-support/index.js";
import { linksTo, waitForLink } from "./support/mail.js";
import {
  closeAll,
  createTokenInBrowser,
  enrollTotp,
  flash,
  mailsTo,
  type Person,
  passwordStep,
  person,
  type Registry,
  registerVerified,
  sameAt,
  signOut,
  startRegistry,
  upload,
  userIdOf,
  whoami,
} from "./support/recovery.js";

const SUITE =
  "Account recovery in real browsers, through the waiting period on the server's clock (Chromium)";

describe.skipIf(missing(SUITE, "chromium"))(SUITE, () => {
  describe.each(testDatabases())("on %s", (kind) => {
    let registry: Registry | undefined;
    let people: Person[] = [];

    afterEach(async () => {
      try {
        await closeAll(people);
      } finally {
        people = [];
        await registry?.close();
        registry = undefined;
      }
    });

    const open = async () => {
      registry = await startRegistry(kind);
      return registry;
    };
    const track = async (p: Promise<Person>) => {
      const who = await p;
      people.push(who);
      return who;
    };
    const suffix = () => randomBytes(3).toString("hex");

    it("recovers an account whose authenticator app is lost: email link, API token, 7-day wait, reset, factor enrolled first; co-maintainers told", async () => {
      const r = await open();
      const s = suffix();
      const owner = await track(person(`olivia-${s}`));
      const coMaintainer = await track(person(`carl-${s}`));
      const project = `harbour-lights-${s}`;

      // The owner's old browser: account, authenticator app (on the phone about to be lost), a CI token,
      // a project, and a co-maintainer who accepted an invitation.
      await registerVerified(r, owner);
      await enrollTotp(r, owner.page);
      const token = await createTokenInBrowser(r, owner.page, "CI release");
      expect(token).toMatch(/^wharf_/);
      expect((await upload(r, token, project, "1.0.0")).status).toBe(200);
      await registerVerified(r, coMaintainer);
      await owner.page.goto(r.at(`/manage/project/${project}/`));
      await owner.page.fill("#username", coMaintainer.username);
      await owner.page.getByRole("button", { name: "Send invitation" }).click();
      await owner.page.waitForURL(/#people$/);
      await expect(flash(owner.page).textContent()).resolves.toContain("We sent");
      await coMaintainer.page.goto(r.at("/account/projects"));
      await coMaintainer.page.getByRole("button", { name: "Accept" }).click();
      await coMaintainer.page.waitForURL(r.at("/account/projects"));
      await expect(flash(coMaintainer.page).textContent()).resolves.toContain(`You joined ${project}.`);
      await closeAll([coMaintainer]);
      people = people.filter((p) => p !== coMaintainer);
      const ownerId = await userIdOf(r, owner.username);

      // A new laptop, no phone: the password works, the second step cannot be passed.
      const laptop = await track(sameAt(owner));
      const lp = laptop.page;
      await passwordStep(r, laptop);
      expect(lp.url()).toContain("/account/login/two-factor");
      const cant = lp.locator("#cant-use-factors");
      expect(await cant.getAttribute("href")).toBe(`/account/recovery?login=${owner.username}`);
      await cant.click();
      await lp.waitForURL(r.at(`/account/recovery?login=${owner.username}`));
      expect(await lp.inputValue("#login")).toBe(owner.username);
      await lp.getByRole("button", { name: "Email me a recovery link" }).click();
      await lp.locator("#recovery-sent").waitFor();

      // The link from the mail works once, in this browser.
      const confirm = await waitForLink(r.outboxDir, owner.email, "/account/recovery/confirm");
      await lp.goto(confirm);
      await lp.getByRole("button", { name: "Continue" }).click();
      await lp.waitForURL(r.at("/account/recovery/proofs"));
      const found = (proof: string) =>
        lp.locator(`#detected-proofs li[data-proof=${proof}]`).getAttribute("data-found");
      expect(await found("known_browser")).toBe("no");
      expect(await found("open_session")).toBe("no");
      // Opened again here, the link spends nothing more: it points back to the recovery in progress.
      const again = await lp.goto(confirm);
      expect(again?.status()).toBe(200);
      await expect(lp.locator("#recovery-link").textContent()).resolves.toContain(
        "already continued this recovery in this browser",
      );
      expect(await lp.getByRole("button", { name: "Continue" }).count()).toBe(0);

      // A wrong token is refused on its field; the real one starts the waiting period.
      await lp.goto(r.at("/account/recovery/proofs"));
      await lp.fill("#api_token", "wharf_not-a-real-token");
      await lp.getByRole("button", { name: "Submit the request" }).click();
      await expect(lp.locator("#api_token-error").textContent()).resolves.toContain(
        "This is not a valid, unexpired API token of this account.",
      );
      expect(await lp.locator("#recovery-status").count()).toBe(0);
      await lp.fill("#api_token", token);
      await lp.getByRole("button", { name: "Submit the request" }).click();
      await lp.locator("#recovery-status[data-state=waiting]").waitFor();
      const request = (await openRequestOf(r.t.deps.db, ownerId))!;
      expect(request.state).toBe("waiting");
      expect(request.waitUntil! - request.submittedAt!).toBe(7 * DAY);
      expect(request.proofs.map((p) => p.kind)).toEqual(["api_token"]);

      // The owner's address (with a one-click cancel) and the co-maintainer are told.
      const notices = await mailsTo(r, owner.email, "Account recovery requested");
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).toContain("Proofs checked: A valid API token of the account");
      expect(findLink(notices[0]!.text, "/account/recovery/cancel")).toBeDefined();
      expect(
        await mailsTo(r, coMaintainer.email, `${owner.username} is recovering their account`),
      ).toHaveLength(1);
      // Any page of a session of the account shows the open request.
      await owner.page.goto(r.at("/account/"));
      await owner.page.locator("#recovery-banner").waitFor();

      // One minute before the end, nothing happens; the old browser is still signed in, the token works.
      r.t.clock.advance(7 * DAY - MINUTE);
      expect(await completeDueRecoveries(r.t.deps)).toEqual({ completed: [], lapsed: [] });
      await owner.page.goto(r.at("/account/"));
      expect(owner.page.url()).toBe(r.at("/account/"));
      expect((await whoami(r, token)).status).toBe(200);

      r.t.clock.advance(2 * MINUTE);
      expect(await completeDueRecoveries(r.t.deps)).toEqual({ completed: [request.id], lapsed: [] });
      expect((await getRequest(r.t.deps.db, request.id))?.state).toBe("completed");
      expect((await factorSummary(r.t.deps.db, ownerId)).enrolled).toBe(false);

      // Every session and token ended, the old password is gone.
      await owner.page.goto(r.at("/account/"));
      await owner.page.waitForURL(/\/account\/login\?next=/);
      const live = await r.t.deps.db
        .selectFrom("sessions")
        .select("public_id")
        .where("user_id", "=", ownerId)
        .where("revoked_at", "is", null)
        .execute();
      expect(live).toEqual([]);
      expect((await whoami(r, token)).status).toBe(401);
      const stale = await upload(r, token, project, "2.0.0");
      expect(stale.status).toBe(403);
      expect(stale.reason).toContain("This API token has been revoked.");
      await passwordStep(r, laptop);
      expect(new URL(lp.url()).pathname).toBe("/account/login");
      await expect(lp.locator("#password-error").textContent()).resolves.toContain(
        "The username or password is not correct.",
      );

      // The new password comes from the completion mail; signing in needs no second step and leads to
      // enrolling a factor before anything else.
      const done = await mailsTo(r, owner.email, "Your account was recovered");
      expect(done).toHaveLength(1);
      await lp.goto(findLink(done[0]!.text, "/account/reset-password")!);
      const newPassword = "a brand new gangway 4242";
      await lp.fill("#password", newPassword);
      await lp.getByRole("button", { name: "Set password" }).click();
      await lp.waitForURL(r.at("/account/login"));
      await expect(flash(lp).textContent()).resolves.toContain("Your password was reset.");
      await passwordStep(r, laptop, newPassword);
      await lp.waitForURL(r.at("/account/two-factor"));
      await expect(flash(lp).textContent()).resolves.toContain(
        "Your account was recovered. Set up two-factor authentication before anything else.",
      );
      await lp.goto(r.at("/account/tokens"));
      expect(lp.url()).toBe(r.at("/account/two-factor"));
      const fresh = await tokenFor(r.t, ownerId, null);
      const refused = await upload(r, fresh, project, "2.0.0");
      expect(refused.status).toBe(403);
      expect(refused.reason).toContain("Your account was recovered");

      await enrollTotp(r, lp);
      await lp.goto(r.at("/account/tokens"));
      expect(lp.url()).toBe(r.at("/account/tokens"));
      await expect(lp.locator("h1").textContent()).resolves.toBe("API tokens");
      expect((await upload(r, fresh, project, "2.0.0")).status).toBe(200);

      const told = await mailsTo(r, coMaintainer.email, `${owner.username}'s account was recovered`);
      expect(told).toHaveLength(1);
    }, 300_000);

    it("the owner cancels with a security key a recovery started by someone who controls only the email (signed in, then with the key alone after the attacker reset the password), and nothing changes when the wait would have ended", async () => {
      const r = await open();
      const s = suffix();
      const owner = await track(person(`oscar-${s}`, { authenticators: true }));
      const op = owner.page;

      // The owner: a security key and an authenticator app.
      await registerVerified(r, owner);
      await owner.keys!.use("yubikey");
      await op.goto(r.at("/account/two-factor/keys"));
      await op.fill("#label", "YubiKey");
      await op.getByRole("button", { name: "Add security key" }).click();
      await op.locator("#recovery-codes").waitFor();
      await enrollTotp(r, op);
      await signOut(r, op);
      const ownerId = await userIdOf(r, owner.username);
      const before = await factorSummary(r.t.deps.db, ownerId);
      expect([before.totp !== null, before.keys.length, before.recoveryCodesRemaining]).toEqual([
        true,
        1,
        10,
      ]);

      // The attacker reads the owner's mailbox and nothing else.
      const attacker = await track(
        person(owner.username, { email: owner.email, password: "mallory took the mailbox 13" }),
      );
      const ap = attacker.page;
      await ap.goto(r.at("/account/recovery"));
      await ap.fill("#login", owner.email);
      await ap.getByRole("button", { name: "Email me a recovery link" }).click();
      await ap.locator("#recovery-sent").waitFor();
      const confirm = await waitForLink(r.outboxDir, owner.email, "/account/recovery/confirm");
      await ap.goto(confirm);
      await ap.getByRole("button", { name: "Continue" }).click();
      await ap.waitForURL(r.at("/account/recovery/proofs"));
      for (const proof of ["known_browser", "open_session"])
        expect(await ap.locator(`li[data-proof=${proof}]`).getAttribute("data-found")).toBe("no");
      const spareTab = await attacker.browser.context.newPage();
      await spareTab.goto(r.at("/account/recovery/proofs"));
      await ap.getByRole("button", { name: "Submit the request" }).click();
      await ap.locator("#recovery-status[data-state=queued]").waitFor();
      expect(await mailsTo(r, owner.email, "waiting for review")).toHaveLength(1);

      // Even an operator fooled by a good story only starts the wait.
      const request = (await openRequestOf(r.t.deps.db, ownerId))!;
      expect([request.state, request.proofs]).toEqual(["queued", []]);
      await decideRequest(
        r.t.deps,
        {
          ip: "127.0.0.1",
          adminName: "operator",
          reason: "the caller knew the project's history",
          audit: async () => {},
        },
        request.id,
        "approve",
      );
      await ap.reload();
      await ap.locator("#recovery-status[data-state=waiting]").waitFor();
      const notice = await mailsTo(r, owner.email, "Account recovery requested");
      expect(notice).toHaveLength(1);
      expect(notice[0]!.text).toContain("Proofs checked: approved by an operator");

      // The owner signs in with password and key, sees the request on the page, and cancels it.
      await passwordStep(r, owner);
      expect(op.url()).toContain("/account/login/two-factor");
      await op.getByRole("button", { name: "Use your security key" }).click();
      await op.waitForURL(r.at("/account/"));
      await op.locator("#recovery-banner").getByRole("link", { name: "Review and cancel it" }).click();
      await op.waitForURL(r.at("/account/recovery/open"));
      await op.getByRole("button", { name: "Cancel this recovery request" }).click();
      await op.waitForURL(r.at("/account/"));
      await expect(flash(op).textContent()).resolves.toContain("The recovery request was cancelled.");
      expect(await op.locator("#recovery-banner").count()).toBe(0);
      expect(await mailsTo(r, owner.email, "Account recovery cancelled")).toHaveLength(1);

      // The attacker's request is closed: nothing to submit, and a form left open in a tab is refused.
      await ap.reload();
      await ap.locator("#recovery-status[data-state=cancelled]").waitFor();
      expect(await ap.locator("#api_token").count()).toBe(0);
      await spareTab.getByRole("button", { name: "Submit the request" }).click();
      await expect(spareTab.locator("main .alert.error").textContent()).resolves.toContain(
        "This recovery request is no longer open.",
      );
      await spareTab.locator("#recovery-status[data-state=cancelled]").waitFor();
      expect((await ap.goto(confirm))?.status()).toBe(410);

      // Past even the longer (critical) wait, the job changes nothing.
      r.t.clock.advance(14 * DAY + MINUTE);
      expect(await completeDueRecoveries(r.t.deps)).toEqual({ completed: [], lapsed: [] });
      const closed = (await getRequest(r.t.deps.db, request.id))!;
      expect([closed.state, closed.decidedBy]).toEqual(["cancelled", "owner"]);
      const after = await factorSummary(r.t.deps.db, ownerId);
      expect([after.totp !== null, after.keys.map((k) => k.label), after.recoveryCodesRemaining]).toEqual([
        true,
        ["YubiKey"],
        10,
      ]);
      await signOut(r, op);
      await passwordStep(r, owner);
      await op.getByRole("button", { name: "Use your security key" }).click();
      await op.waitForURL(r.at("/account/"));

      // Resetting the password by email still leaves the attacker at the second step.
      await ap.goto(r.at("/account/forgot-password"));
      await ap.fill("#login", owner.email);
      await ap.getByRole("button", { name: "Email me a link" }).click();
      await ap.goto(await waitForLink(r.outboxDir, owner.email, "/account/reset-password"));
      await ap.fill("#password", attacker.password);
      await ap.getByRole("button", { name: "Set password" }).click();
      await ap.waitForURL(r.at("/account/login"));
      await passwordStep(r, attacker);
      expect(ap.url()).toContain("/account/login/two-factor");
      await ap.goto(r.at("/account/"));
      await ap.waitForURL(/\/account\/login\?next=/);
      expect(await openRequestOf(r.t.deps.db, ownerId)).toBeNull();
      const still = await factorSummary(r.t.deps.db, ownerId);
      expect([still.totp !== null, still.keys.length]).toEqual([true, 1]);

      // The attacker asks again; the owner no longer knows the password, and stops it with the key
      // alone, from the link in the mail.
      // The recovery mail is sent after the page answers: wait for the new link, not the first request's.
      const mailedBefore = await linksTo(r.outboxDir, owner.email, "/account/recovery/confirm");
      await ap.goto(r.at("/account/recovery"));
      await ap.fill("#login", owner.email);
      await ap.getByRole("button", { name: "Email me a recovery link" }).click();
      await ap.locator("#recovery-sent").waitFor();
      await ap.goto(
        await waitForLink(r.outboxDir, owner.email, "/account/recovery/confirm", 10_000, mailedBefore),
      );
      await ap.getByRole("button", { name: "Continue" }).click();
      await ap.getByRole("button", { name: "Submit the request" }).click();
      await ap.locator("#recovery-status[data-state=queued]").waitFor();
      await op.goto(await waitForLink(r.outboxDir, owner.email, "/account/recovery/stop"));
      await op.getByRole("button", { name: "Use your security key" }).click();
      await op.waitForURL(r.at("/account/recovery/stop?done=1"));
      await op.locator("#recovery-stopped").waitFor();
      expect(await openRequestOf(r.t.deps.db, ownerId)).toBeNull();
      const stopped = await mailsTo(r, owner.email, "Account recovery cancelled");
      expect(stopped.at(-1)!.text).toContain("stopped by the account's owner");
    }, 300_000);
  });
});
