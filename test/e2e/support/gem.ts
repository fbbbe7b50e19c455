import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plain, type Step } from "./npm.js";

export interface GemRun {
  code: number | null;
  output: string;
}

/**
 * The real `gem` (and `bundle`) with a home of its own: ~/.gem/credentials, the gem cache and the
 * installed gems all live under `dir`, so two clients never share a key.
 */
export class GemClient {
  readonly dir: string;
  readonly home: string;
  readonly gemHome: string;

  constructor(readonly host: string) {
    this.dir = mkdtempSync(join(tmpdir(), "wharf-gem-"));
    this.home = join(this.dir, "home");
    this.gemHome = join(this.dir, "gems");
    mkdirSync(this.home, { recursive: true });
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(GEM_|BUNDLE_|RUBY)/.test(k)),
    );
    return {
      ...env,
      HOME: this.home,
      GEM_HOME: this.gemHome,
      GEM_PATH: this.gemHome,
      NO_COLOR: "1",
      ...extra,
    };
  }

  /** gem without a terminal: RubyGems asks nothing (ask returns nil), so a prompt cannot be answered. */
  run(
    args: string[],
    opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<GemRun> {
    return collect(
      spawn("gem", args, { cwd: opts.cwd ?? this.dir, env: this.env(opts.env) }),
      opts.timeoutMs,
    );
  }

  /** `bundle` in `cwd`, installing into this client's own gem home; its compact-index cache is under ~/.bundle. */
  bundle(args: string[], cwd: string, env: Record<string, string> = {}): Promise<GemRun> {
    return collect(
      spawn("bundle", args, {
        cwd,
        env: this.env({ BUNDLE_PATH: this.gemHome, BUNDLE_DISABLE_SHARED_GEMS: "true", ...env }),
      }),
      120_000,
    );
  }

  /** gem on a pseudo-terminal (util-linux `script`), answering prompts in order once each is on screen. */
  interactive(
    args: string[],
    steps: Step[],
    opts: { cwd?: string; env?: Record<string, string> } = {},
  ): Promise<GemRun> {
    const cmd = ["gem", ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = spawn("script", ["-qefc", cmd, "/dev/null"], {
      cwd: opts.cwd ?? this.dir,
      env: this.env(opts.env),
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
    return collect(child, 60_000, () => out);
  }

  /** `gem signin`, answering email and password (and a code when asked for one). */
  signin(email: string, password: string, otp?: () => Promise<string> | string): Promise<GemRun> {
    const steps: Step[] = [
      { when: /Email:/, send: email },
      { when: /Password:/, send: password },
    ];
    if (otp) steps.push({ when: /Code:/, send: () => otp() });
    return this.interactive(["signin", "--host", this.host], steps);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes a gemspec and one Ruby file into a fresh folder and runs `gem build`; returns the .gem's path. */
export async function buildGem(
  client: GemClient,
  o: { name: string; version: string; platform?: string; metadata?: Record<string, string>; deps?: string[] },
): Promise<string> {
  const dir = mkdtempSync(join(client.dir, "src-"));
  mkdirSync(join(dir, "lib"));
  const module = o.name.replace(/[^A-Za-z0-9]/g, "_");
  writeFileSync(
    join(dir, "lib", `${o.name}.rb`),
    `module M_${module}; VERSION = ${JSON.stringify(o.version)}; end\n`,
  );
  const lines = [
    "Gem::Specification.new do |s|",
    `  s.name = ${JSON.stringify(o.name)}`,
    `  s.version = ${JSON.stringify(o.version)}`,
    '  s.summary = "A gem built by the Wharf end-to-end tests"',
    '  s.authors = ["Wharf"]',
    `  s.files = [${JSON.stringify(`lib/${o.name}.rb`)}]`,
    '  s.license = "MIT"',
    '  s.required_ruby_version = ">= 2.7"',
    ...(o.platform ? [`  s.platform = ${JSON.stringify(o.platform)}`] : []),
    ...(o.metadata ? [`  s.metadata = ${JSON.stringify(o.metadata).replace(/":/g, '" =>')}`] : []),
    ...(o.deps ?? []).map((d) => `  s.add_dependency ${d}`),
    "end",
  ];
  writeFileSync(join(dir, "x.gemspec"), `${lines.join("\n")}\n`);
  const r = await collect(spawn("gem", ["build", "x.gemspec"], { cwd: dir, env: client.env() }));
  const file = /File: (\S+\.gem)/.exec(r.output)?.[1];
  if (r.code !== 0 || !file) throw new Error(`gem build failed:\n${r.output}`);
  return join(dir, file);
}

function collect(
  child: ReturnType<typeof spawn>,
  timeoutMs = 60_000,
  interactive?: () => string,
): Promise<GemRun> {
  let output = "";
  child.stdout?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gem timed out after ${timeoutMs} ms:\n${plain(interactive?.() ?? output)}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: plain(interactive?.() ?? output) });
    });
  });
}
