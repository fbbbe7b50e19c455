import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors.js";
import { formatRequirement, parseGemspec } from "./gemspec.js";
import { gemspecYaml, RCE_GADGET } from "./test-fixtures.js";

function refusal(yaml: string): AppError {
  try {
    parseGemspec(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("the gemspec was accepted");
}

describe("gemspec YAML: read by position, no object instantiated", () => {
  it("reads what gem build writes: name, version, platform, dependencies and requirements", () => {
    const spec = parseGemspec(gemspecYaml());
    expect(spec).toMatchObject({ name: "hello-rg", version: "1.0.0.pre.beta1", platform: "x86_64-linux" });
    expect(spec.metadata).toEqual({ rubygems_mfa_required: "true" });
    expect(spec.dependencies.map((d) => [d.name, d.type, formatRequirement(d.requirement)])).toEqual([
      ["rake", "runtime", "~> 13.0, >= 13.0.1"],
      ["rspec", "development", ">= 3"],
    ]);
    expect(formatRequirement(spec.requiredRubyVersion)).toBe(">= 2.7");
    expect(formatRequirement(spec.requiredRubygemsVersion)).toBe("> 1.3.1");
  });

  it("refuses the Gem::Requirement deserialisation gadget (which runs a command in a naive loader)", () => {
    const yaml = gemspecYaml().replace(
      /required_ruby_version: !ruby\/object:Gem::Requirement\n {2}requirements:\n(?: {2}.*\n)+/,
      `required_ruby_version:${RCE_GADGET.slice(1)}`,
    );
    expect(yaml).toContain("Gem::StubSpecification");
    const e = refusal(yaml);
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/YAML tag '!ruby\/object:Gem::DependencyList'.*rebuild the gem/);
  });

  it("refuses a foreign tag anywhere, even in a field Wharf does not interpret", () => {
    const e = refusal(gemspecYaml({ extra: "x_template: !ruby/object:ERB\n  src: x\n" }));
    expect(e.code).toBe("GEMSPEC_TAG_REFUSED");
    expect(e.message).toContain("!ruby/object:ERB");
    expect(refusal(gemspecYaml({ extra: "signing_key2: !ruby/hash:Foo {}\n" })).code).toBe(
      "GEMSPEC_TAG_REFUSED",
    );
  });

  it("refuses an allowed tag out of its place (a Gem::Dependency as the version)", () => {
    const yaml = gemspecYaml().replace(
      "version: !ruby/object:Gem::Version\n  version: 1.0.0.pre.beta1",
      "version: !ruby/object:Gem::Dependency\n  version: 1.0.0",
    );
    expect(refusal(yaml).code).toBe("GEMSPEC_TAG_REFUSED");
  });

  it("refuses aliases (no alias bombs) and a root that is not a Gem::Specification", () => {
    expect(refusal(gemspecYaml({ extra: "a: &x [1]\nb: *x\n" })).code).toBe("GEMSPEC_INVALID");
    expect(refusal("--- {}\n").code).toBe("GEMSPEC_INVALID");
    expect(refusal("--- !ruby/object:Gem::Version\nversion: 1\n").code).toBe("GEMSPEC_TAG_REFUSED");
  });

  it("refuses an invalid name, version or platform with the rule in the message", () => {
    expect(refusal(gemspecYaml({ name: "-bad" })).message).toMatch(/Invalid gem name '-bad'/);
    expect(refusal(gemspecYaml({ version: "'1.0 beta'" })).message).toMatch(/Invalid gem version/);
    expect(refusal(gemspecYaml({ platform: "x86_64 linux" })).message).toMatch(/Invalid gem platform/);
  });
});
