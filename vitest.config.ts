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
    // A worker keeps the modules it imported from one file to the next: importing the sources
    // anew for each of ninety files took two minutes of a run (on PGlite, whose WebAssembly is
    // compiled once per process too, over a minute and a half). Files share no state but the
    // database names they make (test/engines.ts), which stay unique. The collector runs after
    // each file (test/collect-after-file.ts): a closed PGlite's memory goes back only then.
    isolate: false,
    execArgv: ['--expose-gc'],
    setupFiles: ['test/collect-after-file.ts'],
  },
})
