export { ensureBuilt, ROOT, WHARF_MAIN } from "./build.js";
export { CHROMIUM, type ChromiumSession, launchChromium } from "./chromium.js";
export { HttpFormClient, type HttpResult } from "./http.js";
export { waitForLink } from "./mail.js";
export {
  type Exit,
  freePort,
  type LoggedRequest,
  runWharf,
  type StartOptions,
  startWharf,
  type WharfServer,
} from "./server.js";
