import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A page re-rendering after a request waits on the server and the browser: on two busy cores
    // that can take longer than the one second expect.poll gives by default.
    expect: { poll: { timeout: 10_000 } },
    // Each file opens its own databases; two workers match the two cores this project targets.
    pool: 'forks',
    maxWorkers: 2,
    // On a PostgreSQL server (GENMEDIA_TEST_PG_URL, as CI runs) a worker keeps the modules it
    // imported from one file to the next: importing the sources anew for each of ninety files
    // took two minutes of the run. Files share no state but the database names they make
    // (test/engines.ts), which stay unique. On PGlite (no server given) each file runs in a
    // fresh process instead: a closed PGlite's WebAssembly memory, hundreds of MB, goes back
    // only when the collector finds it, which V8 does not hurry for memory outside its heap, and
    // a worker reused from file to file grew past 17 GB (a collection after each file slowed
    // that growth but did not stop it).
    isolate: !process.env.GENMEDIA_TEST_PG_URL,
  },
})
