import { parentPort } from "node:worker_threads";
import { markdownToHtml } from "./markdown.js";

/*
 * The render worker: markdown-it runs here, off the server's event loop, so a pathological description
 * costs this thread (which pool.ts terminates at the time limit) instead of every request in flight.
 */
export interface RenderRequest {
  id: number;
  text: string;
  maxHtmlChars: number;
}
export type RenderReply =
  | { id: number; html: string }
  | { id: number; tooLarge: true }
  | { id: number; error: string };

if (!parentPort) throw new Error("render worker: must run in a worker thread");
const port = parentPort;
port.on("message", (m: RenderRequest) => {
  let reply: RenderReply;
  try {
    const html = markdownToHtml(m.text);
    // Checked here so a huge result is never copied to the server's thread at all.
    reply = html.length > m.maxHtmlChars ? { id: m.id, tooLarge: true } : { id: m.id, html };
  } catch (e) {
    reply = { id: m.id, error: String(e) };
  }
  port.postMessage(reply);
});
port.postMessage("ready");
