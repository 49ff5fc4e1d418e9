import { defineConfig } from 'vitest/config';

const ignored = ['**/node_modules/**', 'bench/**'];

// Two cores: run test files two at a time; real servers and real-time audio need generous timeouts.
// The WebRTC browser tests run last, on their own: under the CPU load of the batch tests (ASR and
// ffmpeg on both cores) two Chromiums encoding video could not always start their media in time.
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'main', include: ['**/*.test.ts'], exclude: [...ignored, 'e2e/sfu.test.ts'] } },
      {
        extends: true,
        test: { name: 'webrtc', include: ['e2e/sfu.test.ts'], exclude: ignored, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
