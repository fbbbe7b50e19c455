import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { expect } from "vitest";
import { ensureBuilt } from "./build.js";
import { createMaintainer, createToken, get, type SimpleFile, simpleJson } from "./pypi.js";
import { buildDists, makeVenv, oneLine, pipInstall, pythonEnv, run, shown, twineUpload } from "./python.js";
import { startWharf, type WharfServer } from "./server.js";

/**
 * The maintainer-to-consumer path every storage and database layout must carry: publish a wheel and an
 * sdist with twine, serve them and the wheel's .metadata (whole and by byte ranges), install with pip.
 * The pypi.s3 and pypi.postgres suites run it on their layouts; pypi.twine covers the default in depth.
 */
export interface Journey {
  server: WharfServer;
  project: string;
  token: string;
  home: string;
  dists: { wheel: string; sdist: string };
  venv: { pip: string; python: string };
  /** Stops the server and removes its data dir and every temp file of the journey. */
  close(): Promise<void>;
}

export async function startJourney(project: string, env: Record<string, string>): Promise<Journey> {
  await ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), "wharf-e2e-journey-"));
  const home = join(work, "home");
  let server: WharfServer | undefined;
  try {
    server = await startWharf(env);
    await createMaintainer(server, "journey-maintainer", "from harbour to harbour 21");
    const [token, dists, venv] = await Promise.all([
      createToken(server, "journey-maintainer"),
      buildDists(join(work, "build"), home, { name: project, version: "1.0.0" }),
      makeVenv(join(work, "venv"), home),
    ]);
    const started = server;
    return {
      server,
      project,
      token,
      home,
      dists,
      venv,
      close: async () => {
        try {
          await started.stop();
        } finally {
          started.cleanup();
          rmSync(work, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    await server?.stop();
    server?.cleanup();
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

export async function publishWithTwine(j: Journey): Promise<SimpleFile[]> {
  const auth = { username: "__token__", password: j.token };
  const r = await twineUpload(j.server.url, j.home, [j.dists.wheel, j.dists.sdist], auth);
  expect(r.code, shown(r, "twine upload")).toBe(0);
  const again = await twineUpload(j.server.url, j.home, [j.dists.wheel], auth);
  expect(oneLine(again.output)).toContain("File already exists.");
  const page = await simpleJson(j.server.url, j.project);
  expect(page.files.map((f) => f.filename).sort()).toEqual([
    basename(j.dists.sdist),
    basename(j.dists.wheel),
  ]);
  return page.files;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Whole files, .metadata, and the byte ranges pip's lazy wheel and resumed downloads ask for. */
export async function downloadWithRanges(j: Journey, files: SimpleFile[]): Promise<void> {
  const base = `${j.server.url}/simple/${j.project}/`;
  for (const f of files) {
    const url = new URL(f.url, base).toString();
    const whole = await get(url);
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBe(f.size);
    expect(sha256(whole.body)).toBe(f.hashes.sha256);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");

    const head = await get(url, { range: "bytes=0-99" });
    expect(head.status).toBe(206);
    expect(head.headers.get("content-range")).toBe(`bytes 0-99/${f.size}`);
    expect(head.body.equals(whole.body.subarray(0, 100))).toBe(true);

    const tail = await get(url, { range: "bytes=-64" });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe(`bytes ${f.size - 64}-${f.size - 1}/${f.size}`);
    expect(tail.body.equals(whole.body.subarray(f.size - 64))).toBe(true);

    const beyond = await get(url, { range: `bytes=${f.size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${f.size}`);

    const metadata = await get(`${url}.metadata`);
    if (!f["core-metadata"]) {
      expect(metadata.status).toBe(404);
      continue;
    }
    expect(metadata.status).toBe(200);
    expect(sha256(metadata.body)).toBe(f["core-metadata"].sha256);
    expect(metadata.body.toString("utf8")).toMatch(new RegExp(`^Name: ${j.project}$`, "m"));
    const part = await get(`${url}.metadata`, { range: "bytes=0-15" });
    expect(part.status).toBe(206);
    expect(part.body.equals(metadata.body.subarray(0, 16))).toBe(true);
  }
}

export async function installWithPip(j: Journey): Promise<void> {
  const r = await pipInstall(j.venv.pip, j.server.url, j.home, `${j.project}==1.0.0`);
  expect(r.code, shown(r, "pip install")).toBe(0);
  expect(r.output).toContain(`Successfully installed ${j.project}-1.0.0`);
  const module = j.project.replace(/-/g, "_");
  const imported = await run(j.venv.python, ["-c", `import ${module}; print(${module}.__version__)`], {
    env: pythonEnv(j.home),
  });
  expect(imported.output.trim()).toBe("1.0.0");
}
