import { BANNER_LABELS, type Banner } from "../mandates/index.js";

/**
 * One mandate banner. The phase is told by a word before the sentence, not by tint alone (issue 14
 * item 7): a reader without colour, or a screen reader, hears "Deadline:" or "Blocked:". Its one icon
 * and its border style (solid, dashed, double) come from the stylesheet (styles/components.ts, flows.ts).
 */
export function MandateBanner({ b }: { b: Banner }) {
  const label = BANNER_LABELS[b.phase];
  return (
    <div
      class={`banner mandate ${b.phase}`}
      role={b.phase === "notice" ? "note" : "alert"}
      data-phase={b.phase}
    >
      <div class="wrap banner-row">
        <span class="banner-label">{label.word}:</span> <span class="banner-text">{b.text}</span>{" "}
        <a href="/account/two-factor">Set up two-factor authentication</a>
      </div>
    </div>
  );
}
