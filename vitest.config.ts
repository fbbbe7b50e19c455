import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Argon2 and real servers make tests CPU-bound on a 2-core machine; keep parallelism modest.
    maxWorkers: 2,
  },
});
