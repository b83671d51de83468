import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/scratch-tmpdir.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Xvfb displays, Chromium and ONNX sessions are heavy on a 2-core machine.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
