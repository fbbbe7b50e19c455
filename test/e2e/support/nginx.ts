import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nginxBinary } from "../../../src/test-support/index.js";
import { freePort } from "./server.js";

const READY_TIMEOUT_MS = 15_000;

export interface Nginx {
  /** http://127.0.0.1:PORT, the proxy's front door. */
  url: string;
  /** The address nginx connects to the upstream from (`proxy_bind`), to name it in WHARF_TRUST_PROXY. */
  upstreamSource: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx as a reverse proxy in front of `upstream`, configured as the usual production
 * snippet does (`X-Forwarded-For $proxy_add_x_forwarded_for`: the client's header plus the peer it saw).
 * It runs in the foreground with a temp prefix, so nothing of the system's nginx is touched. It
 * connects to the upstream from `upstreamSource` (127.0.0.3 by default: all of 127/8 is loopback on
 * Linux), so Wharf can tell the proxy from a test client on 127.0.0.1 or 127.0.0.2.
 */
export async function startNginx(upstream: string, upstreamSource = "127.0.0.3"): Promise<Nginx> {
  const bin = nginxBinary();
  if (!bin) throw new Error("nginx is not installed (apt-get install -y nginx-light)");
  const port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), "wharf-nginx-"));
  for (const d of ["logs", "tmp"]) mkdirSync(join(prefix, d));
  const conf = join(prefix, "nginx.conf");
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      proxy_bind ${upstreamSource};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(
    bin,
    ["-p", prefix, "-e", `${prefix}/logs/error.log`, "-c", conf, "-g", "daemon off;"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const nginx: Nginx = {
    url: `http://127.0.0.1:${port}`,
    upstreamSource,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const up = await get(`${nginx.url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) return nginx;
    await new Promise((r) => setTimeout(r, 100));
  }
  await nginx.stop();
  throw new Error(`nginx did not start (or cannot reach ${upstream}):\n${out}`);
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request from a chosen loopback source address (`fetch` cannot pick one), so a test can be
 * "a client at 127.0.0.2" as opposed to the proxy.
 */
export function get(
  url: string,
  opts: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? "GET",
        headers: opts.headers,
        localAddress: opts.from,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}
