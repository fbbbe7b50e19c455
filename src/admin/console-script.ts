import type { FastifyInstance } from "fastify";

export const CONSOLE_SCRIPT_PATH = "/admin/static/console.js";

/**
 * The console's one script, served from our origin (the CSP allows no inline script). It only
 * improves what the server rendered, so every page reads the same without it:
 * - every `<time datetime>` in the console shows the viewer's local date and time (the server writes
 *   UTC, which stays as the element's title); operators compare the log with their own day;
 * - the sidebar folds into its menu on a phone-sized screen.
 */
export const CONSOLE_SCRIPT = `(function () {
  "use strict";
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (e) {
    format = null;
  }
  if (format) {
    var times = document.querySelectorAll(".console time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var when = new Date(t.getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      if (!t.title) t.title = t.textContent;
      t.textContent = format.format(when);
      t.setAttribute("data-local", "");
    }
  }
  var nav = document.getElementById("console-nav");
  if (nav && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) nav.open = false;
})();
`;

/** Inside the console's scope: only an admin signed in with a key loads it, like every console page. */
export function registerConsoleScript(app: FastifyInstance): void {
  app.get(CONSOLE_SCRIPT_PATH, (_req, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", "private, max-age=3600")
      .send(CONSOLE_SCRIPT),
  );
}
