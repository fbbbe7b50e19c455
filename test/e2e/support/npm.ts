import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOTP, Secret } from "otpauth";

/** What one npm invocation printed (stdout and stderr together, ANSI codes stripped) and its status. */
export interface NpmRun {
  code: number | null;
  output: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal escape sequences is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007|\r/g;
export const plain = (s: string) => s.replace(ANSI, "");

export interface RunOptions {
  cwd?: string;
  cache?: string;
  timeoutMs?: number;
  /** Give npm its config file and cache in the environment instead of as flags (see args()). */
  configInEnv?: boolean;
  /** More environment (a CI's variables, GITHUB_ACTIONS and the OIDC request URL, say). */
  env?: Record<string, string>;
}

/** One prompt answered: when the output (since the last answer) matches `when`, type `send` + Enter. */
export interface Step {
  when: RegExp;
  send: string | ((output: string) => string | Promise<string>);
}

/**
 * A throw-away npm user: its own HOME, .npmrc (`--userconfig`) and cache, so runs share nothing with
 * the developer's npm or with each other, and every run starts from a clean cache when asked.
 */
export class NpmClient {
  readonly dir: string;
  readonly userconfig: string;
  private cacheN = 0;

  constructor(readonly registry: string) {
    this.dir = mkdtempSync(join(tmpdir(), "wharf-npm-"));
    this.userconfig = join(this.dir, ".npmrc");
    mkdirSync(join(this.dir, "home"), { recursive: true });
    writeFileSync(this.userconfig, `registry=${registry}\n`);
  }

  /** A fresh cache directory (npm install "from a clean cache"). */
  freshCache(): string {
    return join(this.dir, `cache-${++this.cacheN}`);
  }

  private env(o: RunOptions = {}): NodeJS.ProcessEnv {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    return {
      ...env,
      ...o.env,
      HOME: join(this.dir, "home"),
      npm_config_update_notifier: "false",
      npm_config_audit: "false",
      npm_config_fund: "false",
      NO_COLOR: "1",
      ...(o.configInEnv
        ? { npm_config_userconfig: this.userconfig, npm_config_cache: o.cache ?? join(this.dir, "cache") }
        : {}),
    };
  }

  private args(args: string[], cache?: string, configInEnv = false): string[] {
    // Commands with their own flag list (npm trust) refuse --userconfig/--cache: those go in the env.
    if (configInEnv) return [...args, "--registry", this.registry];
    return [
      ...args,
      "--userconfig",
      this.userconfig,
      "--cache",
      cache ?? join(this.dir, "cache"),
      "--registry",
      this.registry,
    ];
  }

  /** npm without a terminal: prompts are impossible, so an OTP request fails with EOTP. */
  run(args: string[], opts: RunOptions = {}): Promise<NpmRun> {
    return collect(
      spawn("npm", this.args(args, opts.cache, opts.configInEnv), {
        cwd: opts.cwd ?? this.dir,
        env: this.env(opts),
      }),
      opts.timeoutMs,
    );
  }

  /**
   * npm on a pseudo-terminal (util-linux `script`), answering its prompts in order. Answers are sent
   * only once the prompt is on screen: npm reads the terminal fresh for each question.
   */
  interactive(args: string[], steps: Step[], opts: RunOptions = {}): Promise<NpmRun> {
    return this.start(args, steps, opts).result;
  }

  /** Like `interactive`, with the output readable while npm runs (to pick up the URLs it prints). */
  start(
    args: string[],
    steps: Step[] = [],
    opts: RunOptions = {},
  ): { result: Promise<NpmRun>; output: () => string } {
    const cmd = ["npm", ...this.args(args, undefined, opts.configInEnv)]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(" ");
    const child = spawn("script", ["-qefc", cmd, "/dev/null"], {
      cwd: opts.cwd ?? this.dir,
      env: this.env(opts),
    });
    let seen = 0;
    let out = "";
    const pending = [...steps];
    child.stdout.on("data", (b: Buffer) => {
      out += plain(b.toString("utf8"));
      const step = pending[0];
      if (step?.when.test(out.slice(seen))) {
        pending.shift();
        seen = out.length;
        const text = typeof step.send === "function" ? step.send(out) : step.send;
        setTimeout(() => void Promise.resolve(text).then((t) => child.stdin.write(`${t}\r`)), 150);
      }
    });
    return { result: collect(child, opts.timeoutMs, () => out), output: () => out };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function collect(
  child: ReturnType<typeof spawn>,
  timeoutMs = 60_000,
  interactiveOutput?: () => string,
): Promise<NpmRun> {
  let output = "";
  child.stdout?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`npm timed out after ${timeoutMs} ms:\n${plain(interactiveOutput?.() ?? output)}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: plain(interactiveOutput?.() ?? output) });
    });
  });
}

/** The TOTP an authenticator app would show now (RFC 6238; 30 s steps, 6 digits). */
export function totp(secret: string, at = Date.now(), stepOffset = 0): string {
  return HOTP.generate({
    secret: Secret.fromBase32(secret),
    counter: Math.floor(at / 30_000) + stepOffset,
    digits: 6,
  });
}

/** A minimal package directory for `npm publish`. */
export function packageDir(
  root: string,
  name: string,
  version: string,
  extra: Record<string, unknown> = {},
): string {
  const dir = join(root, `${name.replace(/[@/]/g, "_")}-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version, description: `${name} for tests`, main: "index.js", ...extra }, null, 2),
  );
  writeFileSync(join(dir, "index.js"), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  writeFileSync(join(dir, "README.md"), `# ${name}\n\nA test package.\n`);
  return dir;
}

/**
 * An authenticator app that never repeats a 30-second step (the server accepts each step once): it
 * uses the previous step while the current one has over 5 s left, then the current, then the next,
 * and waits when all three are spent.
 */
export class AuthenticatorApp {
  private lastStep = -1;

  constructor(readonly secret: string) {}

  async code(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / 30_000);
      const step = Math.max(now % 30_000 < 25_000 ? current - 1 : current, this.lastStep + 1);
      if (step <= current + 1) {
        this.lastStep = step;
        return totp(this.secret, step * 30_000);
      }
      await new Promise((r) => setTimeout(r, (current + 1) * 30_000 - now + 50));
    }
  }

  /** The code of the step used last (a replay). */
  last(): string {
    return totp(this.secret, this.lastStep * 30_000);
  }
}

/** Waits until `read()` matches `re` (npm printing a URL, say) and returns the first group. */
export async function waitFor(read: () => string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(read());
    if (m) return m[1] ?? m[0];
    if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
