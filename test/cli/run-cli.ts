import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The CLI, bundled once for the whole run (test/global-setup.ts). */
export const CLI = inject('genmediaCli')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (throws when it is not JSON). */
  json<T = any>(): T
}

/**
 * runCli runs `genmedia ARGS` (the bundled sources) as a user would, as a subprocess, with `env` added to
 * a clean environment (no GENMEDIA_* variables leak in from the test's own).
 */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_') && !/_DB_PATH$/.test(k)),
  )
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...base, ...options.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.stdin.end(options.input ?? '')
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json: () => JSON.parse(stdout),
      }),
    )
  })
}

/**
 * killCliDuring starts `genmedia ARGS` as runCli does and sends it SIGKILL when `when` resolves
 * (or lets it finish first, if it does).
 */
export async function killCliDuring(
  args: readonly string[],
  env: Record<string, string>,
  when: () => Promise<void>,
): Promise<void> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_') && !/_DB_PATH$/.test(k)),
  )
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...base, ...env, NODE_OPTIONS: '' },
    stdio: 'ignore',
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  await Promise.race([when().then(() => child.kill('SIGKILL')), exited])
  await exited
}
