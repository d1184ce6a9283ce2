import { afterAll } from 'vitest'

/**
 * A worker runs file after file in one process (vitest.config.ts). A closed PGlite's
 * WebAssembly memory, hundreds of MB, goes back only when the collector runs, and V8 does not
 * hurry for memory outside its heap: collected after each file, a worker stayed at 1.6 GB
 * through a whole run on PGlite (its RSS logged after every file).
 */
afterAll(async () => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (!collect) return
  collect()
  // Once more after the closed servers' last callbacks have run and let go of them.
  await new Promise((resolve) => setImmediate(resolve))
  collect()
})
