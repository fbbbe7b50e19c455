import { describe, expect, it } from "vitest";
import { pypiDependencies, requiredName, withoutExtras } from "./requirements.js";

describe("Requires-Dist names (PEP 508, normalised per PEP 503)", () => {
  it.each([
    ["requests", "requests"],
    ["Requests>=2.0", "requests"],
    ["zope.interface (>=5)", "zope-interface"],
    ["typing_extensions>=4; python_version < '3.11'", "typing-extensions"],
    ["urllib3[socks]<3,>=1.21.1", "urllib3"],
    ["Flask_SQLAlchemy ; sys_platform == 'win32' or extra == 'db'", "flask-sqlalchemy"],
    ["pip @ https://example.com/pip-23.0-py3-none-any.whl", "pip"],
    ["wheel @ https://example.com/a;b/wheel.whl ; python_version >= '3'", "wheel"],
    ["attrs; extra != 'tests'", "attrs"],
    ["six ; (extra == 'a' or python_version < '3') and os_name == 'nt'", "six"],
  ])("%s names %s", (req, name) => {
    expect(requiredName(req)).toBe(name);
  });

  it.each([
    "PySocks!=1.5.7,>=1.5.6; extra == 'socks'",
    'pytest ; extra == "test"',
    "coverage[toml]; python_version >= '3.8' and extra == 'cov'",
    "mock ; (extra == 'a' or extra == \"b\")",
    "black ; 'dev' in extra",
    "pip @ https://example.com/x.whl ; extra == 'dev'",
  ])("%s is installed only with an extra: not a dependency", (req) => {
    expect(requiredName(req)).toBeNull();
  });

  it("a marker that does not parse counts unless it mentions extra", () => {
    expect(withoutExtras("python_version <<< '3'")).toBe(true);
    expect(withoutExtras("extra === === 'x'")).toBe(false);
  });

  it("a pathological marker is answered in linear time", () => {
    const marker = `${"(".repeat(2000)}python_version > '3'${")".repeat(2000)}`;
    const t0 = performance.now();
    expect(withoutExtras(marker)).toBe(true);
    expect(withoutExtras(`${"python_version > '3' and ".repeat(5000)}extra == 'x'`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("a release's dependencies are distinct, sorted, and never itself", () => {
    expect(
      pypiDependencies(
        {
          requiresDist: [
            "Requests>=2",
            "requests[security]",
            "my_pkg; extra == 'self'",
            "My.Pkg",
            "idna",
            42,
            "!!",
          ],
        },
        "my-pkg",
      ),
    ).toEqual(["idna", "requests"]);
    expect(pypiDependencies({}, "x")).toEqual([]);
  });
});
