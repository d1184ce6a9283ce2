import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

describe('genmedia usage errors', () => {
  /** Runs args and expects one line (no help text) and exit code 2; with --json, the JSON shape. */
  const usage = async (args: string[], message: RegExp) => {
    const json = args.includes('--json')
    const result = await runCli(args)
    expect(result.code).toBe(2)
    if (json) {
      expect(result.json()).toEqual({ error: { code: 'usage', message: expect.any(String) } })
      expect(result.json().error.message).toMatch(message)
    } else {
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^genmedia: [^\n]+\n$/)
      expect(result.stderr).toMatch(message)
    }
  }

  it('says each in one line with exit code 2, or as the one JSON error shape', async () => {
    await usage(['stores', '--bogus'], /unknown option '--bogus'; see genmedia stores --help/)
    await usage(['nope', '--json'], /unknown command 'nope'[^\n]*; see genmedia --help/)
    await usage(['migrate', 'up'], /missing required argument 'store'; see genmedia migrate up/)
    await usage(['token'], /token needs a command; see genmedia token --help/)
    await usage([], /^genmedia: name a command; see genmedia --help/)
  })

  it('prints help only on --help, and the version on --version', async () => {
    const help = await runCli(['migrate', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: genmedia migrate/)
    const version = await runCli(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})

describe.each(ENGINES)('refused and read-only commands create nothing on $name', (engine) => {
  const ctx = useEngine(engine)

  /** A data folder and, on PostgreSQL, a database, both new and empty. */
  const freshEnv = async (): Promise<Record<string, string>> => ({
    GENMEDIA_DATA_DIR: mkdtempSync(join(ctx.dir, 'data-')),
    ...(await ctx.freshEnv()),
  })

  /** What the stores' places hold: the data folder's files, and the database's schemas. */
  const contents = async (env: Record<string, string>): Promise<string[]> => {
    const files = readdirSync(env.GENMEDIA_DATA_DIR!, { recursive: true }).map(String)
    if (!env.GENMEDIA_DATABASE_URL) return files
    const client = new pg.Client({ connectionString: env.GENMEDIA_DATABASE_URL })
    await client.connect()
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace
          WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')`,
      )
      return [...files, ...rows.map((r) => `schema ${r.name}`)]
    } finally {
      await client.end()
    }
  }

  it('migrate status, migrate up --to abc and serve --host 0.0.0.0 leave an empty place empty', async () => {
    const env = await freshEnv()
    const status = await runCli(['migrate', 'status', 'ai-artist', '--json'], { env })
    expect(status.code).toBe(0)
    expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual(
      aiArtistStore.migrations.map(() => 'pending'),
    )
    const to = await runCli(['migrate', 'up', 'ai-artist', '--to', 'abc'], { env })
    expect(to).toMatchObject({ code: 2, stderr: expect.stringMatching(/--to must be a version/) })
    const serve = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { env })
    expect(serve.code).toBe(1)
    expect(serve.stderr).toMatch(/^genmedia: refusing to serve on 0.0.0.0 without API tokens/)
    const start = await runCli(['start', '--host', '0.0.0.0', '--port', '0'], { env })
    expect(start.code).toBe(1)
    expect(await contents(env)).toEqual([])
  })
})
