/*
 * Work done after the answer is sent. "Forgot password" and account recovery must answer in the same
 * time whether or not the account exists (issue 11 MEDIUM 12: ~4x slower for real accounts let anyone
 * list them), so everything that depends on the lookup — the lookup itself, tokens, events, the mail —
 * runs here instead of before the response.
 */

interface Logger {
  error(obj: object, msg: string): void;
}

const pending = new Set<Promise<void>>();
let held: (() => void)[] | null = null;

/** Runs `task` on a later turn of the event loop; failures are logged (nobody is waiting to hear). */
export function afterResponse(log: Logger, what: string, task: () => Promise<void>): void {
  const run = () =>
    new Promise<void>((resolve) => {
      setImmediate(() => {
        task()
          .catch((e: unknown) => log.error({ err: e }, `${what} failed`))
          .finally(resolve);
      });
    });
  const p: Promise<void> = held
    ? new Promise<void>((resolve) => held?.push(() => void run().then(resolve)))
    : run();
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

/** Waits until every queued task has finished (shutdown, and tests before reading the outbox). */
export async function settleBackground(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/**
 * Tests: keeps queued tasks from starting until the returned function is called, so a test can count
 * the work a request did before its response.
 */
export function holdBackground(): () => void {
  const queue: (() => void)[] = [];
  held = queue;
  return () => {
    held = null;
    for (const start of queue) start();
  };
}
