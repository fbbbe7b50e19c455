import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { parseDocument } from "yaml";
import {
  type GemSpec,
  gemFileErrors,
  MAX_GEMSPEC_SIZE,
  parseGemspec,
} from "../../ecosystems/rubygems/index.js";
import { ARCHIVE_LIMITS, type ArchiveLimits, archiveGunzip, InflationCap } from "../../lib/archive-limits.js";
import { isAppError } from "../../lib/errors.js";
import { checkMemberPath } from "./archive.js";

/**
 * A pushed .gem, read from memory (the gem client sends it whole; the body is capped by the upload
 * limit before it gets here). The outer tar is plain and holds exactly metadata.gz, data.tar.gz,
 * checksums.yaml.gz and optional signatures; metadata.gz inflates to at most 1 MiB of gemspec YAML;
 * data.tar.gz is streamed through gunzip under the same ratio and total bounds as npm tarballs and
 * sdists, with every member path checked; checksums.yaml.gz must list the SHA-256 (and, when present,
 * SHA-512) of metadata.gz and data.tar.gz, and they must match.
 */
export interface InspectedGem {
  spec: GemSpec;
  /** The gemspec YAML as pushed (kept beside the gem for the pages and the Marshal index). */
  metadataYaml: string;
}

const OUTER_MEMBERS = new Set(["metadata.gz", "data.tar.gz", "checksums.yaml.gz"]);
const MAX_OUTER_MEMBER = 64 * 1024;

const invalid = (why: string) =>
  gemFileErrors.GEM_INVALID(`The pushed file is not a valid .gem (${why}): build it with \`gem build\`.`);

async function outerMembers(bytes: Buffer, limits: ArchiveLimits): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const done = pipeline(Readable.from([bytes]), extract);
  done.catch(() => {});
  const out = new Map<string, Buffer>();
  let count = 0;
  for await (const entry of extract) {
    const { name, type, size = 0 } = entry.header;
    count += 1;
    if (count > 16) throw invalid("it has more than 16 members");
    if (
      type !== "file" ||
      !(OUTER_MEMBERS.has(name) || /^(metadata|data|checksums\.yaml)\.(tar\.)?gz\.sig$/.test(name))
    )
      throw invalid(`it contains '${name.slice(0, 80)}', which a gem does not have`);
    if (out.has(name)) throw invalid(`it contains '${name}' twice`);
    const cap = name === "data.tar.gz" ? limits.maxMemberSize : MAX_OUTER_MEMBER;
    if (size > cap) throw gemFileErrors.GEM_TOO_LARGE(`The gem's ${name} is larger than ${cap} bytes.`);
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.set(name, Buffer.concat(chunks));
  }
  await done;
  return out;
}

function gunzipBounded(bytes: Buffer, cap: number, label: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: cap });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw gemFileErrors.GEM_TOO_LARGE(`The gem's ${label} inflates to more than ${cap} bytes.`);
    throw invalid(`${label} is not valid gzip`);
  }
}

/** Walks data.tar.gz without keeping it: bounded inflation, member count, safe paths, no devices. */
async function checkData(data: Buffer, limits: ArchiveLimits): Promise<void> {
  const cap: InflationCap = new InflationCap(data.length, limits, () =>
    gemFileErrors.GEM_TOO_LARGE(
      `The gem's data.tar.gz inflates to more than ${cap.cap} bytes (possible gzip bomb).`,
    ),
  );
  const extract = tar.extract();
  const done = pipeline(Readable.from([data]), archiveGunzip(), cap, extract);
  done.catch(() => {});
  let members = 0;
  for await (const entry of extract) {
    members += 1;
    if (members > limits.maxMembers) throw invalid(`data.tar.gz has more than ${limits.maxMembers} files`);
    const { type = "file", name } = entry.header;
    try {
      checkMemberPath(name);
    } catch {
      throw invalid(`data.tar.gz contains the unsafe path '${name.slice(0, 80)}'`);
    }
    if (!["file", "directory", "symlink", "contiguous-file"].includes(type))
      throw invalid(`data.tar.gz contains '${name.slice(0, 80)}', a ${type}, which is not allowed`);
    entry.resume();
  }
  await done;
}

function checkChecksums(members: Map<string, Buffer>): void {
  const raw = members.get("checksums.yaml.gz");
  if (!raw) throw invalid("checksums.yaml.gz is missing");
  const doc = parseDocument(gunzipBounded(raw, MAX_OUTER_MEMBER, "checksums.yaml.gz").toString("utf8"), {
    schema: "failsafe",
    uniqueKeys: true,
  });
  if (doc.errors.length || doc.warnings.length) throw invalid("checksums.yaml.gz is not valid YAML");
  const sums = doc.toJS({ maxAliasCount: 0 }) as Record<string, Record<string, string> | undefined> | null;
  const sha256 = sums?.SHA256;
  if (!sha256 || typeof sha256 !== "object") throw invalid("checksums.yaml.gz has no SHA256 list");
  for (const algorithm of ["SHA256", "SHA512"] as const) {
    const listed = sums?.[algorithm];
    if (!listed) continue;
    for (const name of ["metadata.gz", "data.tar.gz"]) {
      const want = listed[name];
      const got = createHash(algorithm === "SHA256" ? "sha256" : "sha512")
        .update(members.get(name)!)
        .digest("hex");
      if (typeof want !== "string" || want.toLowerCase() !== got)
        throw gemFileErrors.GEM_CHECKSUM_MISMATCH(
          `The ${algorithm} of ${name} in checksums.yaml.gz does not match the file: the gem is damaged, build it again with \`gem build\`.`,
        );
    }
  }
}

export async function inspectGem(
  bytes: Buffer,
  limits: ArchiveLimits = ARCHIVE_LIMITS,
): Promise<InspectedGem> {
  let members: Map<string, Buffer>;
  try {
    members = await outerMembers(bytes, limits);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw invalid("it is not a tar archive");
  }
  for (const name of ["metadata.gz", "data.tar.gz"])
    if (!members.has(name)) throw invalid(`${name} is missing`);
  checkChecksums(members);
  const metadataYaml = gunzipBounded(members.get("metadata.gz")!, MAX_GEMSPEC_SIZE, "metadata.gz").toString(
    "utf8",
  );
  const spec = parseGemspec(metadataYaml);
  try {
    await checkData(members.get("data.tar.gz")!, limits);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw invalid("data.tar.gz is not a gzip-compressed tar archive");
  }
  return { spec, metadataYaml };
}
