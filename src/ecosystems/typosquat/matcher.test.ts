import { describe, expect, it } from "vitest";
import { topPypiNames } from "../../test-support/index.js";
import { normalizeName } from "../pypi/index.js";
import { osaDistance, TyposquatIndex, typoKey } from "./index.js";

const top = topPypiNames();
// The real top 1,100 (jellyfish is 1,073rd), as a registry protecting its top N by downloads would.
const pypi = new TyposquatIndex(top.slice(0, 1100), normalizeName);

describe("typosquats of real PyPI incidents and plain typos are matched against the real top list", () => {
  it.each([
    ["jeIlyfish", "jellyfish", "look-alike characters"], // 2019: capital I for l
    ["python3-dateutil", "python-dateutil", "edit distance"], // 2019, beside jeIlyfish
    ["colourama", "colorama", "edit distance"], // 2018
    ["urlib3", "urllib3", "doubled letters"], // 2017 (skcsirt list)
    ["djanga", "django", "edit distance"], // 2017
    ["diango", "django", "edit distance"], // 2017
    ["setup-tools", "setuptools", "look-alike characters"], // 2017: separator game
    ["reqeusts", "requests", "edit distance"], // transposition
    ["requets", "requests", "edit distance"], // deletion
    ["reqquuests", "requests", "doubled letters"],
    ["Requ3sts", "requests", "edit distance"],
    ["nunpy", "numpy", "edit distance"],
    ["matplotllb", "matplotlib", "look-alike characters"],
    ["requests-python", "requests", "prefix or suffix"],
    ["py-requests", "requests", "prefix or suffix"],
    ["python3-boto3", "boto3", "prefix or suffix"],
    ["dateutil", "python-dateutil", "prefix or suffix"],
    ["googlecloud-storage", "google-cloud-storage", "look-alike characters"],
    ["beautifulsoup", "beautifulsoup4", "edit distance"],
  ])("%s imitates %s (%s)", (name, similarTo, reason) => {
    expect(pypi.match(name)).toMatchObject({ similarTo, reason });
  });

  it("matches long names at distance 2 and short ones only at distance 1", () => {
    expect(pypi.match("googel-clould-storage")).toMatchObject({
      similarTo: "google-cloud-storage",
      distance: 2,
    });
    expect(pypi.match("nmupyy")).toBeNull();
    expect(pypi.match("rqeusts")).toBeNull();
  });

  it("a protected project is not its own look-alike, whatever the spelling", () => {
    expect(pypi.match("requests")).toBeNull();
    expect(pypi.match("Python_DateUtil")).toBeNull();
  });

  it("real distinct projects a rank apart are matched, so the operator's setting decides (hold, refuse, allow)", () => {
    // Both exist on PyPI; `request` (not in the top 15,000) would be a new name next to `requests`.
    expect(pypi.match("request")).toMatchObject({ similarTo: "requests" });
    expect(pypi.match("pyaml")).toMatchObject({ similarTo: "pyyaml" });
    expect(pypi.match("futures")).toMatchObject({ similarTo: "future" });
  });

  it("names unlike any protected one pass", () => {
    for (const name of ["wharf-demo", "acme-internal-tools", "zebra-crossing", "my-very-own-package-xyz"]) {
      expect(pypi.match(name)).toBeNull();
    }
  });
});

describe("npm names: scope confusion and the crossenv incident", () => {
  const npm = new TyposquatIndex(
    ["cross-env", "@types/node", "@babel/core", "babel-cli", "mongoose", "lodash", "express", "d3"],
    (n) => n, // npm names have one spelling
  );
  it.each([
    ["crossenv", "cross-env", "look-alike characters"], // 2017
    ["types-node", "@types/node", "look-alike characters"],
    ["babel-core", "@babel/core", "look-alike characters"],
    ["@types/nodes", "@types/node", "edit distance"],
    ["babelcli", "babel-cli", "look-alike characters"], // 2017, with crossenv
    ["mongose", "mongoose", "doubled letters"], // 2017
    ["lodash-js", "lodash", "prefix or suffix"],
    ["node-lodash", "lodash", "prefix or suffix"],
    ["express-cli", "express", "prefix or suffix"],
  ])("%s imitates %s", (name, similarTo, reason) => {
    expect(npm.match(name)).toMatchObject({ similarTo, reason });
  });
});

describe("keys and distance", () => {
  it("folds Unicode confusables from the kept table, not a hand list", () => {
    expect(typoKey("rеquеsts")).toBe(typoKey("requests")); // Cyrillic е
    expect(typoKey("ｒｅｑｕｅｓｔｓ")).toBe(typoKey("requests")); // fullwidth
    expect(typoKey("jeIlyfish")).toBe(typoKey("jellyfish"));
  });
  it("counts an adjacent transposition as one edit and stops past the bound", () => {
    expect(osaDistance("requests", "reqeusts", 1)).toBe(1);
    expect(osaDistance("requests", "request", 1)).toBe(1);
    expect(osaDistance("abcdef", "badcfe", 2)).toBe(3);
    expect(osaDistance("a".repeat(200), "b".repeat(200), 2)).toBe(3);
  });
});
