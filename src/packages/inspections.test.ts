import { describe, expect, it } from "vitest";
import { MAX_INSPECTIONS_PER_USER, withInspectionSlot } from "./inspections.js";

describe("withInspectionSlot", () => {
  it("runs at most MAX_INSPECTIONS_PER_USER per user at once, refuses the next with 429, frees slots on failure", async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const held = Array.from({ length: MAX_INSPECTIONS_PER_USER }, () => withInspectionSlot("u1", () => gate));
    await expect(withInspectionSlot("u1", async () => "x")).rejects.toMatchObject({
      status: 429,
      code: "TOO_MANY_INSPECTIONS",
    });
    await expect(withInspectionSlot("u2", async (a: number) => a + 1, 1)).resolves.toBe(2);
    open();
    await Promise.all(held);
    const failing = Array.from({ length: MAX_INSPECTIONS_PER_USER }, () =>
      withInspectionSlot("u1", async () => {
        throw new Error("corrupt archive");
      }).catch(() => "refused"),
    );
    expect(await Promise.all(failing)).toEqual(Array(MAX_INSPECTIONS_PER_USER).fill("refused"));
    await expect(withInspectionSlot("u1", async () => "ran")).resolves.toBe("ran");
  });
});
