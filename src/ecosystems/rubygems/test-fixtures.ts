/** The gemspec YAML `gem build` (RubyGems 3.3.15) writes into metadata.gz, trimmed to what varies. */
export function gemspecYaml(
  o: { name?: string; version?: string; platform?: string; extra?: string } = {},
): string {
  return `--- !ruby/object:Gem::Specification
name: ${o.name ?? "hello-rg"}
version: !ruby/object:Gem::Version
  version: ${o.version ?? "1.0.0.pre.beta1"}
platform: ${o.platform ?? "x86_64-linux"}
authors:
- A
autorequire:
bindir: bin
cert_chain: []
date: 2026-12-04 00:00:00.000000000 Z
dependencies:
- !ruby/object:Gem::Dependency
  name: rake
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: '13.0'
    - - ">="
      - !ruby/object:Gem::Version
        version: 13.0.1
  type: :runtime
  prerelease: false
  version_requirements: !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: '13.0'
    - - ">="
      - !ruby/object:Gem::Version
        version: 13.0.1
- !ruby/object:Gem::Dependency
  name: rspec
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - ">="
      - !ruby/object:Gem::Version
        version: '3'
  type: :development
  prerelease: false
  version_requirements: !ruby/object:Gem::Requirement
    requirements:
    - - ">="
      - !ruby/object:Gem::Version
        version: '3'
description:
email:
executables: []
extensions: []
extra_rdoc_files: []
files:
- lib/hello.rb
homepage:
licenses:
- MIT
metadata:
  rubygems_mfa_required: 'true'
post_install_message:
rdoc_options: []
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '2.7'
required_rubygems_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">"
    - !ruby/object:Gem::Version
      version: 1.3.1
requirements: []
rubygems_version: 3.3.15
signing_key:
specification_version: 4
summary: Hi
test_files: []
${o.extra ?? ""}`;
}

/**
 * The published universal deserialisation gadget for Ruby's YAML loaders: a Gem::Requirement whose
 * requirements is a Gem::DependencyList that, once instantiated and sorted, runs a shell command
 * through Gem::StubSpecification#loaded_from. A naive loader runs `id` while loading this.
 */
export const RCE_GADGET = `  !ruby/object:Gem::Requirement
  requirements:
    !ruby/object:Gem::DependencyList
    specs:
    - !ruby/object:Gem::Source::SpecificFile
      spec: &1 !ruby/object:Gem::StubSpecification
        loaded_from: "|id 1>&2"
    - !ruby/object:Gem::Source::SpecificFile
      spec:
`;
