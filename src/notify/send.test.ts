import { describe, expect, it } from "vitest";
import type { Mailer, MailMessage } from "../mail/index.js";
import { send } from "./index.js";
import { verifyEmail } from "./templates/accounts.js";

function fakeDeps(fail: boolean) {
  const sent: MailMessage[] = [];
  const errors: object[] = [];
  const mailer: Mailer = {
    kind: "outbox",
    send: async (m) => {
      if (fail) throw new Error("SMTP down");
      sent.push(m);
    },
    close: async () => {},
  };
  const log = { error: (obj: object) => void errors.push(obj) };
  return { deps: { mailer, log, config: { siteName: "Wharf", origin: "https://w.example" } }, sent, errors };
}

describe("send", () => {
  it("renders the template with the site's subject prefix and hands it to the mailer", async () => {
    const f = fakeDeps(false);
    expect(await send(f.deps, "a@x.example", verifyEmail, { username: "alice", link: "https://l" })).toBe(
      true,
    );
    expect(f.sent).toEqual([
      expect.objectContaining({ to: "a@x.example", subject: "[Wharf] Verify your email address" }),
    ]);
    expect(f.errors).toEqual([]);
  });

  it("logs a mailer failure once, with the template, and never throws (the change has committed)", async () => {
    const f = fakeDeps(true);
    expect(await send(f.deps, "a@x.example", verifyEmail, { username: "alice", link: "https://l" })).toBe(
      false,
    );
    expect(f.errors).toHaveLength(1);
    expect(f.errors[0]).toMatchObject({
      template: "verifyEmail",
      subject: "[Wharf] Verify your email address",
    });
  });
});
