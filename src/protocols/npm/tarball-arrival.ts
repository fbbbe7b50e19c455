import type { Gunzip } from "node:zlib";
import { ARCHIVE_LIMITS, type ArchiveLimits, archiveGunzip, InflationCap } from "../../lib/archive-limits.js";
import { checkGzipHead, type Inspected, type TarballFile, tarballTooLarge, walkTarball } from "./tarball.js";

/**
 * An npm tarball inspected while it arrives: the decoded bytes go to gunzip and the tar walk as they
 * are spooled, so the inspection ends with the body instead of starting after it (issue 15, uploads: a
 * 100 MiB publish spent 100-420 ms after its last byte walking the spool file, the difference between
 * 50% and 85% of the disk's ceiling).
 *
 * It is started only once this request's permission to publish this package was decided
 * (publish.ts, earlyInspection): issue 12 forbids spending CPU on a tarball that will be refused. The
 * publish still decides permission again after the body, and uses this inspection's answer only then.
 * `finish` gives the answer `inspectTarball` gives for the same file, including the gzip-bomb cap: while
 * the body arrives the cap comes from the declared body length (an upper bound of the tarball's size),
 * and at the end it is tightened to the tarball's exact size.
 */
export class ArrivingTarball {
  /** The body's decoded bytes are written straight into it (no copy: see push). */
  private readonly input: Gunzip = archiveGunzip();
  private readonly cap: InflationCap;
  private readonly walked: Promise<Inspected>;
  private stopped = false;

  /**
   * @param bound the most the tarball can be (bytes), for the cap while it arrives
   * @param release gives back the inspection slot this holds (packages/inspections.ts)
   */
  constructor(bound: number, release: () => void, limits: ArchiveLimits = ARCHIVE_LIMITS) {
    this.cap = new InflationCap(bound, limits, tarballTooLarge);
    this.walked = walkTarball([this.input], this.cap).finally(() => {
      this.stopped = true;
      release();
    });
    // Read by finish(); a walk that failed early (not gzip, a bomb) must not be reported unhandled.
    this.walked.catch(() => {});
  }

  /** Bytes the inspection has inflated so far (tests assert the work done before a refusal). */
  get inflated(): number {
    return this.cap.meter.inflated;
  }

  /**
   * Gives `bytes` to gunzip and resolves once gunzip has consumed them, so the caller may reuse its
   * buffer (the base64 decoder's batch) with no copy made: 100 MiB of copies per 100 MiB publish were
   * garbage outside V8's heap. A slow walk (gunzip's output not read) slows the body instead of being
   * held in memory. A stopped walk takes nothing more and never makes the caller wait.
   */
  async push(bytes: Buffer): Promise<void> {
    const input = this.input;
    if (this.stopped || input.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        input.off("close", done);
        resolve();
      };
      // A destroyed stream calls back a write it had not begun; 'close' covers the one in progress.
      input.on("close", done);
      input.write(bytes, done);
    });
  }

  /** The body has ended and the tarball is all here: the answer inspectTarball gives for `file`. */
  async finish(file: TarballFile): Promise<Inspected> {
    try {
      checkGzipHead(file.head, file.size);
    } catch (e) {
      this.abort();
      throw e;
    }
    this.cap.tighten(file.size);
    if (!this.input.destroyed) this.input.end();
    let inspected: Inspected;
    try {
      inspected = await this.walked;
    } catch (e) {
      // The walk ran with the looser cap; had it had the exact one, the cap would have stopped it first.
      if (this.cap.exceeded) throw this.cap.tooMuch();
      throw e;
    }
    if (this.cap.exceeded) throw this.cap.tooMuch();
    return inspected;
  }

  /** The body failed or the attachment is not the tarball after all: stop and give the slot back. */
  abort(): void {
    if (!this.input.destroyed) this.input.destroy();
  }
}
