import { findLink } from "../../../src/mail/index.js";
import { readOutbox } from "../../../src/test-support/outbox.js";

/**
 * Waits (bounded) for the newest mail to `to` that carries a link under `pathPrefix`, and returns the
 * link: what a person does when they open their inbox and click.
 */
export async function waitForLink(
  outboxDir: string,
  to: string,
  pathPrefix: string,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await readOutbox(outboxDir);
    const link = mails
      .filter((m) => m.to.includes(to))
      .map((m) => findLink(m.text, pathPrefix))
      .filter((l): l is string => l !== undefined)
      .at(-1);
    if (link) return link;
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `${m.to}: ${m.subject}`).join("\n  ");
      throw new Error(
        `No mail to ${to} with a ${pathPrefix} link within ${timeoutMs} ms; outbox:\n  ${seen}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
