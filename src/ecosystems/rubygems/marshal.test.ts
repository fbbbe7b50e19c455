import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { missing } from "../../test-support/index.js";
import { parseGemspec } from "./gemspec.js";
import { marshalDump, sym } from "./marshal.js";
import { platformParts, specMarshal } from "./spec-marshal.js";
import { gemspecYaml } from "./test-fixtures.js";

const SUITE = "Ruby Marshal writer, loaded by the real Ruby";

/** Runs `script` in real Ruby with `input` on stdin; returns what it printed. */
function ruby(script: string, input: Buffer = Buffer.alloc(0)): string {
  const r = spawnSync("ruby", ["-e", script], { input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ruby failed: ${r.stderr}`);
  return r.stdout.trim();
}

describe("Marshal writer bytes (no Ruby needed)", () => {
  it("writes Fixnums the way marshal.c w_long does, at every length boundary", () => {
    const hex = (n: number) => marshalDump(n).subarray(3).toString("hex");
    expect(hex(0)).toBe("00");
    expect(hex(1)).toBe("06");
    expect(hex(122)).toBe("7f");
    expect(hex(123)).toBe("017b");
    expect(hex(-1)).toBe("fa");
    expect(hex(-123)).toBe("80");
    expect(hex(-124)).toBe("ff84");
    expect(hex(256)).toBe("020001");
    expect(hex(-257)).toBe("fefffe");
    expect(() => marshalDump(2 ** 31)).toThrow(RangeError);
  });

  it("writes a repeated symbol once and links to it after", () => {
    expect(marshalDump([sym("a"), sym("a")]).toString("latin1")).toBe("\x04\x08[\x07:\x06a;\x00");
  });
});

describe.skipIf(missing(SUITE, "ruby"))(SUITE, () => {
  it("writes what Ruby reads back: nil, booleans, integers, UTF-8 strings, symbols, arrays, hashes", () => {
    const value = [
      null,
      true,
      false,
      0,
      -3,
      300,
      70_000,
      -70_000,
      "héllo",
      "",
      sym("runtime"),
      sym("runtime"),
      { kind: "hash" as const, entries: [["k", "v"] as ["k", "v"]] },
      { kind: "binary" as const, bytes: Buffer.from([0, 255]) },
    ];
    const out = ruby(
      "v = Marshal.load($stdin.read); p v; p v[8].encoding; p v[13].encoding",
      marshalDump(value),
    );
    expect(out.split("\n")).toEqual([
      '[nil, true, false, 0, -3, 300, 70000, -70000, "héllo", "", :runtime, :runtime, {"k"=>"v"}, "\\x00\\xFF"]',
      "#<Encoding:UTF-8>",
      "#<Encoding:ASCII-8BIT>",
    ]);
  });

  it("writes a gemspec that RubyGems loads as the same Gem::Specification", () => {
    const spec = parseGemspec(gemspecYaml({ name: "hello-rg", version: "1.0.0.pre.beta1" }));
    const out = ruby(
      [
        "require 'rubygems'",
        "s = Marshal.load($stdin.read)",
        "puts s.class, s.full_name, s.platform.class, s.platform.to_s, s.original_platform",
        "puts s.required_ruby_version.to_s, s.required_rubygems_version.to_s",
        "s.dependencies.each { |d| puts [d.name, d.type, d.requirement.to_s].join(' ') }",
        "puts s.metadata.inspect, s.authors.inspect, s.version.prerelease?",
      ].join("\n"),
      specMarshal(spec),
    );
    expect(out.split("\n")).toEqual([
      "Gem::Specification",
      "hello-rg-1.0.0.pre.beta1-x86_64-linux",
      "Gem::Platform",
      "x86_64-linux",
      "x86_64-linux",
      ">= 2.7",
      "> 1.3.1",
      "rake runtime ~> 13.0, >= 13.0.1",
      "rspec development >= 3",
      '{"rubygems_mfa_required"=>"true"}',
      '["A"]',
      "true",
    ]);
  });

  it("splits platforms into the cpu, os and version Gem::Platform.new gives", () => {
    const names = [
      "java",
      "x86_64-linux",
      "arm64-darwin-22",
      "x86_64-linux-musl",
      "x64-mingw-ucrt",
      "i686-linux",
    ];
    const out = ruby(
      `require "rubygems"; require "json"; ${JSON.stringify(names)}.each { |n| puts Gem::Platform.new(n).to_a.to_json }`,
    );
    expect(out.split("\n")).toEqual(names.map((n) => JSON.stringify(platformParts(n))));
  });
});
