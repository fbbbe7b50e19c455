// The upload ceiling of bench/upload.mjs, in a process of its own: a bare node:http server that reads
// each request body, hashes it (sha256) and writes it to a file in the directory given as its argument,
// then deletes the file. Started as a child so that its speed does not depend on the bench's own event
// loop, which sends the bodies (in the bench's process it reached 182–560 MB/s across runs and let a
// loaded run show Wharf above 100% of it). Prints its port on stdout once it listens.
//
//   node bench/upload-ceiling.mjs <dir>
import { createHash } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node bench/upload-ceiling.mjs <dir>");
  process.exit(2);
}

let n = 0;
const server = createServer(async (req, res) => {
  const h = createHash("sha256");
  const hash = new Transform({
    transform(c, _e, done) {
      h.update(c);
      done(null, c);
    },
  });
  const path = join(dir, `ceiling-${++n}`);
  try {
    await pipeline(req, hash, createWriteStream(path));
    res.end(h.digest("hex"));
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  } finally {
    rmSync(path, { force: true });
  }
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
// The bench closes stdin when it is done (or dies): the ceiling must not outlive it.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
