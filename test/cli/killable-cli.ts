import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openStore, tableNamesOf, type StoreDefinition } from '../../src/core/index.js'
import { CLI } from './run-cli.js'

/** useBundledCli returns the CLI bundled once for the run (test/global-setup.ts). */
export function useBundledCli(): string {
  return CLI
}

/**
 * runThenKill runs the bundled `genmedia` with `args` as a process group leader and, after
 * `delayMs`, sends `signal` to the whole group (as Ctrl-C does to a terminal's foreground
 * group): genmedia and the tools it runs die together. Without a signal it runs to the end.
 * The environment is the test's without its GENMEDIA_ settings, plus `env`. Resolves with the
 * exit code (null when killed) once the process is gone.
 */
export function runThenKill(
  bundle: string,
  env: Record<string, string>,
  args: string[],
  signal: NodeJS.Signals | null,
  delayMs = 0,
): Promise<number | null> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_')),
  )
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: { ...base, ...env, NODE_OPTIONS: '' },
      stdio: 'ignore',
      detached: true,
    })
    const timer = signal
      ? setTimeout(() => {
          try {
            process.kill(-child.pid!, signal)
          } catch {
            // Already finished.
          }
        }, delayMs)
      : undefined
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

/** storeFingerprint hashes every row of every table of a store: equal stores, equal prints. */
export async function storeFingerprint(
  definition: StoreDefinition,
  location: string,
): Promise<string> {
  const store = await openStore(definition, { location, readOnly: true })
  try {
    const hash = createHash('sha256')
    for (const table of tableNamesOf(definition)) {
      const rows = await store.db.query(`SELECT * FROM ${table} ORDER BY 1`)
      hash.update(`${table}:${JSON.stringify(rows)}\n`)
    }
    return hash.digest('hex')
  } finally {
    await store.close()
  }
}

/**
 * inLanes sets up `count` lanes for kills side by side, each with a data folder of its own
 * (`<dir>/lane-<n>`, created) handed to `make`, and resolves with what each `make` returns.
 */
export function inLanes<T>(
  dir: string,
  count: number,
  make: (dataDir: string, lane: number) => Promise<T>,
): Promise<T[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, lane) => {
      const dataDir = join(dir, `lane-${lane}`)
      mkdirSync(dataDir, { recursive: true })
      return make(dataDir, lane)
    }),
  )
}
