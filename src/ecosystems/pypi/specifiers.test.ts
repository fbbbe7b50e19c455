import { describe, expect, it } from "vitest";
import { validateRequiresPython } from "./specifiers.js";

describe("validateRequiresPython", () => {
  it.each([
    [">=3.8", ">=3.8"],
    [">=3.8,<4", ">=3.8,<4"],
    [" >= 3.8 , < 4 ", ">=3.8,<4"],
    [">=3.8,", ">=3.8"],
    ["~=3.8", "~=3.8"],
    ["~=3.8.0", "~=3.8.0"],
    ["==3.8.*", "==3.8.*"],
    ["==3.*", "==3.*"],
    ["!=3.0.*,!=3.1.*", "!=3.0.*,!=3.1.*"],
    ["===foobar", "===foobar"],
    ["<3.11", "<3.11"],
    [">3", ">3"],
    ["==3.8.1+local", "==3.8.1+local"],
    ["!=3.9+abc", "!=3.9+abc"],
    [">=3.8.0rc1", ">=3.8.0rc1"],
    [">=v3.8", ">=v3.8"],
    [">=1!3.8", ">=1!3.8"],
    [">=3.8.post1.dev2", ">=3.8.post1.dev2"],
  ])("accepts %j as %j", (spec, normalized) => {
    expect(validateRequiresPython(spec)).toBe(normalized);
  });

  // Every one of these is refused by packaging too (checked against packaging 26.2), except the
  // empty ones, which callers treat as "no Requires-Python" before calling.
  it.each([
    ["", /empty/],
    [" , ", /no version clause/],
    ["3.8", /comparison operator/],
    [">=3.6.*", /'\.\*' is only allowed with '==' and '!='/],
    ["<=3.8.*", /'\.\*' is only allowed/],
    ["~=3", /at least two version components/],
    ["~=3.*", /'\.\*' is only allowed/],
    [">=3.8+local", /local versions/],
    ["~=3.8+abc", /local versions/],
    [">=", /has no version/],
    ["===", /has no version/],
    ["=>3.8", /comparison operator/],
    [">=3.8;", /not a valid PEP 440 version/],
    ["python>=3.8", /comparison operator/],
    [">=3 .8", /not a valid PEP 440 version/],
    ["==3.8.*+local", /not a valid PEP 440 version/],
    ["==3.8a1.*", /not a valid prefix match/],
    [">=3.8 <4", /not a valid PEP 440 version/],
    ["^3.8", /comparison operator/],
    ["*", /comparison operator/],
    [">=3.8\n<4", /only printable ASCII/],
  ])("refuses %j", (spec, why) => {
    let message = "";
    try {
      validateRequiresPython(spec);
    } catch (e) {
      message = (e as Error).message;
      expect(e).toMatchObject({ status: 400, code: "REQUIRES_PYTHON_INVALID" });
    }
    expect(message).toMatch(/^Invalid Requires-Python '/);
    expect(message).toMatch(why);
    expect(message).toMatch(/^[\x20-\x7e]+$/);
  });
});
