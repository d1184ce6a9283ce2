import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll } from 'vitest'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
let bundles = 0

/**
 * useBundledCli bundles the CLI once for the test file that calls it (two folders below the
 * package, as src/cli/main.ts is, so that its packages and package.json resolve) and removes it
 * afterwards: starting a bundle takes a fraction of compiling the sources anew for each of the
 * many runs a kill test makes. Returns the bundle's path.
 */
export function useBundledCli(): string {
  const bundle = fileURLToPath(
    new URL(
      `../../node_modules/.genmedia-test/cli-${process.pid}-${++bundles}.mjs`,
      import.meta.url,
    ),
  )
  beforeAll(async () => {
    await build({
      entryPoints: [MAIN],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'error',
    })
  })
  afterAll(() => rmSync(bundle, { force: true }))
  return bundle
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
