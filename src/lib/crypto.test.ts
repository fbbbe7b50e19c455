import { describe, expect, it } from "vitest";
import { Keyring, safeEqual } from "./crypto.js";

describe("keyring", () => {
  const keys = new Keyring("k".repeat(40));

  it("round-trips an AEAD envelope that names its key id", () => {
    const env = keys.encrypt("JBSWY3DPEHPK3PXP", "user-1");
    expect(env.startsWith(`v1.${keys.keyId}.`)).toBe(true);
    expect(keys.decrypt(env, "user-1")).toBe("JBSWY3DPEHPK3PXP");
  });

  it("refuses an envelope moved to another owner or tampered with", () => {
    const env = keys.encrypt("secret", "user-1");
    expect(() => keys.decrypt(env, "user-2")).toThrow();
    const parts = env.split(".");
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(() => keys.decrypt(parts.join("."), "user-1")).toThrow();
    expect(() => new Keyring("other".repeat(10)).decrypt(env, "user-1")).toThrow(/key id/);
  });

  it("binds signatures to their purpose", () => {
    const sealed = keys.seal("link:verify_email", "abc");
    expect(keys.unseal("link:verify_email", sealed)).toBe("abc");
    expect(keys.unseal("link:reset_password", sealed)).toBeNull();
    expect(keys.unseal("link:verify_email", `${sealed}x`)).toBeNull();
  });

  it("compares strings of different lengths without throwing", () => {
    expect(safeEqual("a", "ab")).toBe(false);
    expect(safeEqual("same", "same")).toBe(true);
  });
});
