import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { OUTBOX_EXTENSION } from "../mail/index.js";
import { parseMessage } from "./mime.js";

// Reading the outbox back is only ever done by tests (an operator opens the .eml files in a mail
// client), so it and its MIME reader live here and are not shipped in dist/.

/** A message read back from the outbox folder, its body decoded. */
export interface OutboxMessage {
  file: string;
  to: string;
  subject: string;
  text: string;
  date: Date;
}

/** Every message in the outbox, oldest first. */
export async function readOutbox(outboxDir: string): Promise<OutboxMessage[]> {
  const dir = resolve(outboxDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    // No mail sent yet means no folder yet; that is an empty outbox, not an error.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const files = names.filter((n) => n.endsWith(OUTBOX_EXTENSION) && !n.startsWith(".")).sort();
  return Promise.all(
    files.map(async (name) => {
      const file = join(dir, name);
      const { headers, text } = parseMessage(await readFile(file));
      return {
        file,
        to: headers.get("to") ?? "",
        subject: headers.get("subject") ?? "",
        text,
        date: new Date(headers.get("date") ?? Number.NaN),
      };
    }),
  );
}
