import { describe, expect, it } from "vitest";
import { infoLine, nextVersionsLine, replayVersionsLines } from "./compact-index.js";

describe("compact index lines", () => {
  it("writes an info line as Bundler's GemParser splits it: deps with & between requirements, then |", () => {
    expect(
      infoLine({
        version: "1.0.0",
        platform: "java",
        sha256: "ab",
        dependencies: [
          { name: "rake", requirement: "~> 13.0, >= 13.0.1" },
          { name: "json", requirement: ">= 0" },
        ],
        requiredRubyVersion: ">= 2.7",
        requiredRubygemsVersion: ">= 0",
      }),
    ).toBe("1.0.0-java rake:~> 13.0&>= 13.0.1,json:>= 0|checksum:ab,ruby:>= 2.7");
  });

  it("replays versions lines the way Bundler's cache does: later lines add, '-' removes, the last MD5 wins", () => {
    expect(replayVersionsLines(["a 1.0,1.1 m1", "a -1.0,2.0-java m2"])).toEqual({
      name: "a",
      versions: ["1.1", "2.0-java"],
      infoMd5: "m2",
    });
  });

  it("appends only what moved, and nothing when the log already adds up to the state", () => {
    const logged = ["a 1.0,1.1 m1"];
    expect(nextVersionsLine(logged, { name: "a", versions: ["1.0", "1.1"], infoMd5: "m1" }, "e")).toBeNull();
    expect(nextVersionsLine(logged, { name: "a", versions: ["1.0", "1.1", "1.2"], infoMd5: "m2" }, "e")).toBe(
      "a 1.2 m2",
    );
    expect(nextVersionsLine(logged, { name: "a", versions: ["1.1"], infoMd5: "m3" }, "e")).toBe("a -1.0 m3");
    // Hidden (quarantined): every version taken back, with the empty info's MD5.
    expect(nextVersionsLine(logged, null, "e")).toBe("a -1.0,-1.1 e");
    // The info changed without a version moving: the newest is re-stated, since a line needs one.
    expect(nextVersionsLine(logged, { name: "a", versions: ["1.0", "1.1"], infoMd5: "m4" }, "e")).toBe(
      "a -1.1,1.1 m4",
    );
    // Never logged and nothing to show: no line at all.
    expect(nextVersionsLine([], null, "e")).toBeNull();
  });
});
