/**
 * /static/wharf-copy.js: the Copy and Print buttons (web/copy.tsx). The buttons are rendered `hidden`
 * and shown only here, so a browser without JavaScript never sees a button that does nothing; it still
 * has the text, selectable (one click selects a whole token or code list: `user-select: all`).
 * Idempotent: a page with several copyable blocks includes this script once per block.
 */
export const COPY_CLIENT = `
(function () {
  "use strict";
  if (window.__wharfCopy) return;
  window.__wharfCopy = true;

  function statusOf(btn) {
    var box = btn.closest(".copyable, .copy-actions");
    return box ? box.querySelector(".copy-status") : null;
  }

  function say(btn, text) {
    var s = statusOf(btn);
    if (s) s.textContent = text;
    clearTimeout(btn.__wharfTimer);
    btn.__wharfTimer = setTimeout(function () { if (s) s.textContent = ""; }, 4000);
  }

  function selectTarget(btn) {
    var el = document.getElementById(btn.getAttribute("data-copy"));
    var sel = window.getSelection();
    if (!el || !sel) return;
    var range = document.createRange();
    range.selectNodeContents(el);
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function copy(btn) {
    var text = btn.getAttribute("data-copy-text") || "";
    var fallback = function () {
      selectTarget(btn);
      say(btn, "Selected: press Ctrl+C (or Cmd+C) to copy.");
    };
    if (!navigator.clipboard || !window.isSecureContext) return fallback();
    navigator.clipboard.writeText(text).then(function () { say(btn, "Copied."); }, fallback);
  }

  document.addEventListener("click", function (event) {
    var t = event.target;
    if (!t || !t.closest) return;
    var c = t.closest("button[data-copy]");
    if (c) return copy(c);
    if (t.closest("button[data-print]")) window.print();
  });

  function show() {
    var buttons = document.querySelectorAll("button[data-copy], button[data-print]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
`;
