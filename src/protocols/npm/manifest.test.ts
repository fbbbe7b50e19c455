import { describe, expect, it } from "vitest";
import { installFields } from "./manifest.js";
import type { Inspected } from "./tarball.js";

const tarball = (packageJson: Record<string, unknown>, files: string[] = ["package.json"]): Inspected => ({
  packageJson,
  files,
  fileCount: files.length,
  unpackedSize: 0,
});

describe("installFields (normalized as npm publish normalizes them)", () => {
  it("names a string bin after the unscoped package, keeps bin names and targets inside the package", () => {
    expect(installFields(tarball({ bin: "./cli.js" }), "tool").bin).toEqual({ tool: "cli.js" });
    expect(installFields(tarball({ bin: { "../../evil": "../../../etc/x", "a\\b": 7 } }), "t").bin).toEqual({
      evil: "etc/x",
    });
  });

  it("expands directories.bin from the tarball's files, skipping dotfiles", () => {
    const files = ["package.json", "bin/a.js", "bin/sub/b", "bin/.hidden", "lib/c.js"];
    expect(installFields(tarball({ directories: { bin: "./bin" } }, files), "t").bin).toEqual({
      "a.js": "bin/a.js",
      b: "bin/sub/b",
    });
  });

  it("bundles every dependency for bundleDependencies: true, and reads the bundledDependencies spelling", () => {
    const deps = { a: "1", b: "2" };
    expect(
      installFields(tarball({ dependencies: deps, bundleDependencies: true }), "t").bundleDependencies,
    ).toEqual(["a", "b"]);
    expect(installFields(tarball({ bundledDependencies: ["a", 3] }), "t").bundleDependencies).toEqual(["a"]);
  });

  it("drops non-string dependency ranges and scripts, as npm does", () => {
    const f = installFields(
      tarball({ dependencies: { a: "1", b: { evil: true } }, scripts: { test: 1 } }),
      "t",
    );
    expect(f.dependencies).toEqual({ a: "1" });
    expect(f.scripts).toBeUndefined();
    expect(f.hasInstallScript).toBeUndefined();
  });
});
