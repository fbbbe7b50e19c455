import { describe, expect, it } from "vitest";
import { npmDependencies } from "./dependencies.js";

describe("npm dependencies that count", () => {
  it("dependencies, peer and optional dependencies count; dev dependencies and bundles do not", () => {
    expect(
      npmDependencies(
        {
          dependencies: { "left-pad": "^1.0.0", "@acme/util": "2.x" },
          peerDependencies: { react: ">=18", "left-pad": "*" },
          optionalDependencies: { fsevents: "^2" },
          devDependencies: { vitest: "^4" },
          bundleDependencies: ["bundled"],
        },
        "mine",
      ),
    ).toEqual(["@acme/util", "fsevents", "left-pad", "react"]);
  });

  it("an alias depends on the package it names; itself and nonsense are left out", () => {
    expect(
      npmDependencies(
        {
          dependencies: {
            "old-name": "npm:@scope/real@^1.2.0",
            mine: "^1",
            "a/b/c": "1",
            "": "1",
          },
          peerDependencies: ["not", "an", "object"],
        },
        "mine",
      ),
    ).toEqual(["@scope/real"]);
  });
});
