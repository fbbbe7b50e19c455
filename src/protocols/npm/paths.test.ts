import { describe, expect, it } from "vitest";
import { parsePackagePath } from "./paths.js";

describe("npm package paths", () => {
  it("reads scoped names in both encodings", () => {
    expect(parsePackagePath("/npm/@s%2fp")).toEqual({ kind: "package", name: "@s/p" });
    expect(parsePackagePath("/npm/@s%2Fp?write=true")).toEqual({ kind: "package", name: "@s/p" });
    expect(parsePackagePath("/npm/@s/p/-/p-1.0.0.tgz")).toEqual({
      kind: "tarball",
      name: "@s/p",
      file: "p-1.0.0.tgz",
    });
    expect(parsePackagePath("/npm/@s/p/-/p-1.0.0.tgz/-rev/3-ab")).toEqual({
      kind: "tarball-rev",
      name: "@s/p",
      file: "p-1.0.0.tgz",
      rev: "3-ab",
    });
    expect(parsePackagePath("/npm/p/-rev/3-ab")).toEqual({ kind: "rev", name: "p", rev: "3-ab" });
    expect(parsePackagePath("/npm/p/latest")).toEqual({ kind: "version", name: "p", spec: "latest" });
    expect(parsePackagePath("/npm/p/a/b/c/d/e")).toBeNull();
  });
});
