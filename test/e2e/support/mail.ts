import { findLink } from "../../../src/mail/index.js";
import { readOutbox } from "../../../src/test-support/outbox.js";

/**
 * Waits (bounded) for the newest mail to `to` that carries a link under `pathPrefix`, and returns the
 * link: what a person does when they open their inbox and click.
 */
/** How many mails to `to` carry a link under `pathPrefix` so far (to wait for a newer one). */
export async function linksTo(outboxDir: string, to: string, pathPrefix: string): Promise<number> {
  const mails = await readOutbox(outboxDir);
  return mails.filter((m) => m.to.includes(to) && findLink(m.text, pathPrefix) !== undefined).length;
}

export async function waitForLink(
  outboxDir: string,
  to: string,
  pathPrefix: string,
  timeoutMs = 10_000,
  /** Links of this kind already mailed before the action: wait for a newer one (some mail is sent after the answer). */
  seen = 0,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await readOutbox(outboxDir);
    const link = mails
      .filter((m) => m.to.includes(to))
      .map((m) => findLink(m.text, pathPrefix))
      .filter((l): l is string => l !== undefined);
    if (link.length > seen) return link.at(-1)!;
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `${m.to}: ${m.subject}`).join("\n  ");
      throw new Error(
        `No mail to ${to} with a ${pathPrefix} link within ${timeoutMs} ms; outbox:\n  ${seen}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
