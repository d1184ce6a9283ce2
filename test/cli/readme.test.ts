import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')

/** Every line of the README's fenced shell blocks, comments removed. */
const shellLines = [...README.matchAll(/^```sh\n([\s\S]*?)^```/gm)]
  .flatMap((block) => block[1]!.split('\n'))
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter(Boolean)

/** The genmedia commands among them, as argument lists (npm's and npx's wrappers removed). */
const commands = shellLines
  .map((line) => /^(?:npm run -s genmedia --|npx genmedia|genmedia)\s+(.*)$/.exec(line)?.[1])
  .filter((args): args is string => args !== undefined)
  .map((args) => args.split(/\s+/))

describe('the README’s command examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-readme-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('run genmedia through `npm run -s`, so that npm prints no banner before --json output', () => {
    expect(commands.length).toBeGreaterThanOrEqual(5)
    expect(shellLines.filter((line) => /^npm run genmedia\b/.test(line))).toEqual([])
  })

  // SQLite only: each store's behaviour on both engines is tested by its own suite.
  it('run in order against an empty data folder, each exiting 0, JSON where asked', async () => {
    const env = { GENMEDIA_DATA_DIR: join(dir, 'data') }
    for (const args of commands) {
      const result = await runCli(args, { env, cwd: dir })
      expect({ args, code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 })
      if (args.includes('--json')) expect(() => result.json()).not.toThrow()
    }
  }, 300_000)
})
