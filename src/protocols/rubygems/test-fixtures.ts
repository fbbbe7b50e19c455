import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { gemspecYaml } from "../../ecosystems/rubygems/test-fixtures.js";

/** A tar in memory from (name, bytes) pairs. */
export async function tarOf(members: [string, Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, size: body.length }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A .gem laid out as `gem build` writes it (metadata.gz, data.tar.gz, checksums.yaml.gz), from the
 * given gemspec YAML; `checksums: false` leaves the checksums as they were for other bytes.
 */
export async function gemOf(
  yaml = gemspecYaml({ platform: "ruby", version: "1.0.0" }),
  o: { badChecksum?: boolean } = {},
): Promise<Buffer> {
  const metadata = gzipSync(Buffer.from(yaml));
  const data = gzipSync(await tarOf([["lib/hello.rb", Buffer.from("module Hello; end\n")]]));
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
  const sums = `---\nSHA256:\n  metadata.gz: ${o.badChecksum ? sha(data) : sha(metadata)}\n  data.tar.gz: ${sha(data)}\n`;
  return tarOf([
    ["metadata.gz", metadata],
    ["data.tar.gz", data],
    ["checksums.yaml.gz", gzipSync(Buffer.from(sums))],
  ]);
}
