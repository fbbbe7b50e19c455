import { describe, expect, it } from "vitest";
import { DAY } from "../lib/clock.js";
import { CsvError, isCsvHeader, parseCombinedLine, parseCsvLine } from "./parse.js";

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const line = (time: string, req: string, status = 200) =>
  `203.0.113.5 - - [${time}] "${req}" ${status} 1234 "-" "pip/24.0 {\\"ci\\":null}"`;

describe("combined access log lines", () => {
  it("counts a wheel download on the UTC day of its local time stamp", () => {
    const p = parseCombinedLine(
      line(
        "10/Apr/2026:23:30:00 -0200",
        "GET /files/pypi/ab/cd/0123abcd/Requests-2.31.0-py3-none-any.whl HTTP/1.1",
      ),
    );
    expect(p).toEqual({
      ok: true,
      ecosystem: "pypi",
      kind: "file",
      key: "Requests-2.31.0-py3-none-any.whl",
      day: day("2026-04-11"),
      count: 1,
    });
  });

  it("counts npm tarballs, scoped in either spelling, and ignores the query string", () => {
    const a = parseCombinedLine(
      line("01/Apr/2026:00:00:01 +0000", "GET /npm/left-pad/-/left-pad-1.3.0.tgz?x=1 HTTP/2.0"),
    );
    const b = parseCombinedLine(
      line("01/Apr/2026:00:00:01 +0000", "GET /npm/@Acme/Widget/-/widget-1.0.0.tgz HTTP/1.1"),
    );
    const c = parseCombinedLine(
      line("01/Apr/2026:00:00:01 +0000", "GET /npm/@acme%2fwidget/-/widget-1.0.0.tgz HTTP/1.1"),
    );
    expect(a).toMatchObject({ ok: true, ecosystem: "npm", kind: "name", key: "left-pad" });
    expect(b).toMatchObject({ ok: true, key: "@acme/widget" });
    expect(c).toMatchObject({ ok: true, key: "@acme/widget" });
  });

  it("counts .gem downloads by file name, not the gemspec or index fetched beside them", () => {
    const t = "01/Apr/2026:00:00:01 +0000";
    expect(
      parseCombinedLine(line(t, "GET /rubygems/gems/nokogiri-1.16.0-x86_64-linux.gem HTTP/1.1")),
    ).toEqual({
      ok: true,
      ecosystem: "rubygems",
      kind: "file",
      key: "nokogiri-1.16.0-x86_64-linux.gem",
      day: day("2026-04-01"),
      count: 1,
    });
    for (const req of [
      "GET /rubygems/quick/Marshal.4.8/rails-7.1.0.gemspec.rz HTTP/1.1",
      "GET /rubygems/info/rails HTTP/1.1",
      "GET /rubygems/versions HTTP/1.1",
      "GET /rubygems/gems/ HTTP/1.1",
      "GET /rubygems/gems/a/b.gem HTTP/1.1",
      "HEAD /rubygems/gems/rails-7.1.0.gem HTTP/1.1",
    ])
      expect(parseCombinedLine(line(t, req)), req).toEqual({ ok: false, reason: "not-download" });
  });

  it("ignores what is not a full successful download", () => {
    const t = "01/Apr/2026:10:00:00 +0000";
    const f = "/files/pypi/ab/cd/0123/pkg-1.0.tar.gz";
    for (const l of [
      line(t, `HEAD ${f} HTTP/1.1`),
      line(t, `GET ${f} HTTP/1.1`, 304),
      line(t, `GET ${f} HTTP/1.1`, 206),
      line(t, `GET ${f} HTTP/1.1`, 404),
      line(t, `GET ${f}.metadata HTTP/1.1`),
      line(t, "GET /simple/pkg/ HTTP/1.1"),
      line(t, "GET /npm/left-pad HTTP/1.1"),
      "",
    ]) {
      expect(parseCombinedLine(l)).toEqual({ ok: false, reason: "not-download" });
    }
    expect(parseCombinedLine("garbage")).toEqual({ ok: false, reason: "malformed" });
    expect(parseCombinedLine(line("31/Foo/2026:10:00:00 +0000", `GET ${f} HTTP/1.1`))).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("CSV lines", () => {
  it("reads date,ecosystem,project,count with normalized names", () => {
    expect(isCsvHeader("Date, Ecosystem, Project, Count\r")).toBe(true);
    expect(parseCsvLine("2026-04-01,pypi,Typing_Extensions,12", ["pypi", "npm"])).toEqual({
      ok: true,
      ecosystem: "pypi",
      kind: "name",
      key: "typing-extensions",
      day: day("2026-04-01"),
      count: 12,
    });
    expect(parseCsvLine('2026-04-01,npm,"@Acme/Widget",3\r', ["pypi", "npm"])).toMatchObject({
      key: "@acme/widget",
    });
  });

  it("refuses a line that does not fit, saying why", () => {
    const bad = ["2026-02-30,pypi,x,1", "2026-04-01,maven,x,1", "2026-04-01,pypi,x,-1", "2026-04-01,pypi,x"];
    for (const l of bad) expect(() => parseCsvLine(l, ["pypi", "npm"])).toThrow(CsvError);
  });
});
