import type { WebAuth, WebAuthKind } from "../../cli-handoff/index.js";

/** What each kind of hand-off asks, in the words of the client that started it. */
const WORDS: Record<WebAuthKind, { title: string; confirm: string }> = {
  login: { title: "Sign in the npm command line?", confirm: "Sign in the command line" },
  otp: { title: "Confirm this npm command", confirm: "Confirm" },
  "gem-otp": { title: "Confirm the gem command", confirm: "Confirm" },
};

export function ConfirmPage(p: {
  csrf: string;
  wa: WebAuth;
  username: string;
  browserIp: string;
  action: string;
}) {
  const sameIp = p.wa.ip === p.browserIp;
  const words = WORDS[p.wa.kind];
  return (
    <div class="card narrow">
      <h1>{words.title}</h1>
      <p>
        A command line asked to <strong>{p.wa.description}</strong>
        {p.wa.kind === "login"
          ? ` as ${p.username}. It will receive an API token for your whole account.`
          : "."}
      </p>
      <dl>
        <dt>Requested from</dt>
        <dd>{p.wa.ip}</dd>
        <dt>Requested at</dt>
        <dd>{new Date(p.wa.createdAt).toISOString().slice(0, 19).replace("T", " ")} UTC</dd>
      </dl>
      {!sameIp && (
        <div class="alert error" role="alert">
          This request came from a different address than your browser ({p.browserIp}). Confirm only if you
          started it yourself, just now — someone who sent you this link would get access in your name.
        </div>
      )}
      <form method="post" action={p.action} class="form">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <button type="submit" name="answer" value="confirm" class="button primary">
          {words.confirm}
        </button>{" "}
        <button type="submit" name="answer" value="deny" class="button secondary">
          Deny
        </button>
      </form>
    </div>
  );
}

export function DonePage(p: { confirmed: boolean }) {
  return (
    <div class="card narrow">
      <h1>{p.confirmed ? "Done" : "Denied"}</h1>
      <p role="status">
        {p.confirmed
          ? "Return to your terminal: the command continues on its own."
          : "Nothing was done. The command in your terminal will stop."}
      </p>
    </div>
  );
}
