import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

const CONTENT_STUDIO = ['trends', 'metrics', 'image-library']

// runCli loads tsx by name, which Node resolves from the working directory: a working directory
// of its own (for config/.env) must therefore lie inside the project.
const CACHE = fileURLToPath(new URL('../../node_modules/.cache', import.meta.url))

describe.each(ENGINES)('genmedia init for seed 002 (content studio) on $name', (engine) => {
  const ctx = useEngine(engine)
  const workDirs: string[] = []
  const newWorkDir = () => {
    mkdirSync(CACHE, { recursive: true })
    const dir = mkdtempSync(join(CACHE, 'genmedia-cli-'))
    workDirs.push(dir)
    return dir
  }
  afterAll(() => {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true })
  })

  it('creates trends where TRENDS_DB_PATH says, whatever the other settings', async () => {
    const env = await ctx.freshEnv()
    const path = join(ctx.dir, 'somewhere', 't.db')
    const result = await runCli(['init', 'trends', '--json'], {
      env: { ...env, TRENDS_DB_PATH: path },
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.json()[0]).toMatchObject({
      store: 'trends',
      status: 'created',
      engine: 'sqlite',
      location: path,
      source: 'TRENDS_DB_PATH',
    })
    expect(existsSync(path)).toBe(true)
  })

  it('reads the seed’s variables from config/.env in the working directory', async () => {
    const env = await ctx.freshEnv()
    const cwd = newWorkDir()
    mkdirSync(join(cwd, 'config'))
    writeFileSync(
      join(cwd, 'config', '.env'),
      '# seed 002\nMETRICS_DB_PATH=db/metrics.db\nIMAGE_LIBRARY_DB_PATH=db/images.db\n',
    )
    const result = await runCli(['init', 'metrics', 'image-library', '--json'], { env, cwd })
    expect(result.code).toBe(0)
    expect(result.json()).toMatchObject([
      {
        store: 'metrics',
        location: join(cwd, 'db', 'metrics.db'),
        source: 'config/.env: METRICS_DB_PATH',
      },
      { store: 'image-library', location: join(cwd, 'db', 'images.db') },
    ])
    expect(existsSync(join(cwd, 'db', 'metrics.db'))).toBe(true)
  })

  it('checks, seeds all three consistently, and resets only with --yes', async () => {
    const env = await ctx.freshEnv()
    const missing = await runCli(['init', '--check', ...CONTENT_STUDIO, '--json'], { env })
    expect(missing.code).toBe(1)
    expect(missing.json().map((r: { status: string }) => r.status)).toEqual([
      'missing',
      'missing',
      'missing',
    ])

    const seeded = await runCli(['init', '--seed', ...CONTENT_STUDIO, '--json'], { env })
    expect(seeded.code).toBe(0)
    const [trends, metrics, images] = seeded.json()
    expect(trends.seeded).toEqual({ trending_topics: 26, search_history: 10 })
    expect(metrics.seeded.video_metadata).toBe(10)
    expect(metrics.rowCounts.video_metrics).toBe(metrics.seeded.video_metrics)
    expect(images.seeded).toMatchObject({ image_library: 30, image_collections: 2 })
    expect(images.rowCounts.image_usage).toBeGreaterThan(0)

    // The table fits 80 columns (its cells wrap); --json gives the counts whole.
    const ready = await runCli(['init', '--check', ...CONTENT_STUDIO, '--json'], { env })
    expect(ready.code).toBe(0)
    expect(ready.json()[0].rowCounts).toMatchObject({ trending_topics: 26 })

    const refused = await runCli(['init', '--reset', 'metrics'], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--reset deletes every table and row of metrics.*--yes/)
    const kept = await runCli(['init', '--check', 'metrics', '--json'], { env })
    expect(kept.json()[0].rowCounts.video_metadata).toBe(10)

    const reset = await runCli(['init', '--reset', '--yes', 'metrics', '--json'], { env })
    expect(reset.code).toBe(0)
    expect(reset.stderr).toMatch(/warning: deleting all data of metrics/)
    expect(reset.json()[0]).toMatchObject({
      status: 'reset',
      rowCounts: { video_metrics: 0, video_metadata: 0 },
    })
  })
})
