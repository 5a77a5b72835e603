import { defineConfig } from 'vitest/config';

// Test files that watch live inputs in their own process need threads for them
// (src/live/threadpool.ts); libuv reads this when a process starts, so it is set here,
// before the test processes are forked.
process.env.UV_THREADPOOL_SIZE ??= '16';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Native addon + child processes: separate processes, at most the machine's 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
