import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'

const LATEST = aiArtistStore.migrations.length
import { runCli } from './run-cli.js'

describe.each(ENGINES)('genmedia init and migrate on $name', (engine) => {
  const ctx = useEngine(engine)

  it('creates and seeds ai-artist, then a second init changes nothing', async () => {
    const env = await ctx.freshEnv()
    const first = await runCli(['init', '--seed', 'ai-artist', '--json'], { env })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const [report] = first.json()
    expect(report).toMatchObject({ store: 'ai-artist', status: 'created', schemaVersion: LATEST })
    expect(report.rowCounts.generated_images).toBeGreaterThanOrEqual(300)
    expect(report.seeded.generated_images).toBe(report.rowCounts.generated_images)
    if (engine.name === 'sqlite') {
      expect(report.location).toBe(join(env.GENMEDIA_DATA_DIR!, 'ai_artist.db'))
      expect(existsSync(join(env.GENMEDIA_DATA_DIR!, 'ai_artist.db'))).toBe(true)
    } else {
      expect(report.schema).toBe('ai_artist')
    }

    const second = await runCli(['init', '--seed', 'ai-artist', '--json'], { env })
    expect(second.code).toBe(0)
    const [again] = second.json()
    expect(again.status).toBe('unchanged')
    expect(again.seeded).toBeUndefined()
    expect(again.rowCounts).toEqual(report.rowCounts)
  })

  it('--check reports without creating, and exits non-zero until the store is ready', async () => {
    const env = await ctx.freshEnv()
    const missing = await runCli(['init', '--check', 'ai-artist', '--json'], { env })
    expect(missing.code).toBe(1)
    expect(missing.json()[0].status).toBe('missing')
    if (engine.name === 'sqlite') {
      expect(existsSync(join(env.GENMEDIA_DATA_DIR!, 'ai_artist.db'))).toBe(false)
    }
    expect((await runCli(['init', 'ai-artist'], { env })).code).toBe(0)
    const ready = await runCli(['init', '--check', 'ai-artist', '--json'], { env })
    expect(ready.code).toBe(0)
    expect(ready.json()[0]).toMatchObject({
      status: 'ready',
      schemaVersion: LATEST,
      latestVersion: LATEST,
    })
  })

  it('--reset refuses without --yes and empties the store with it', async () => {
    const env = await ctx.freshEnv()
    await runCli(['init', '--seed', 'ai-artist'], { env })
    const refused = await runCli(['init', '--reset', 'ai-artist'], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--yes/)
    const reset = await runCli(['init', '--reset', '--yes', 'ai-artist', '--json'], { env })
    expect(reset.code).toBe(0)
    expect(reset.stderr).toMatch(/deleting all data of ai-artist/)
    expect(reset.json()[0]).toMatchObject({ status: 'reset', schemaVersion: LATEST })
    expect(reset.json()[0].rowCounts.generated_images).toBe(0)
  })

  it('migrates down and up, and reports status', async () => {
    const env = await ctx.freshEnv()
    await runCli(['init', 'ai-artist'], { env })
    const down = await runCli(['migrate', 'down', 'ai-artist', '--json'], { env })
    expect(down.code).toBe(0)
    expect(down.json()).toMatchObject({ from: LATEST, to: LATEST - 1, reverted: [LATEST] })
    const status = await runCli(['migrate', 'status', 'ai-artist', '--json'], { env })
    expect(status.json().migrations.map((m: { state: string }) => m.state)).toEqual([
      ...Array<string>(LATEST - 1).fill('applied'),
      'pending',
    ])
    const up = await runCli(['migrate', 'up', 'ai-artist', '--json'], { env })
    expect(up.json()).toMatchObject({ from: LATEST - 1, to: LATEST, applied: [LATEST] })
    const bad = await runCli(['migrate', 'up', 'ai-artist', '--to', '9'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(`genmedia: --to must be a version from 0 to ${LATEST}, got 9\n`)
  })

  it('names an unknown store and lists the known ones', async () => {
    const env = await ctx.freshEnv()
    const result = await runCli(['init', 'no-such-store', '--json'], { env })
    expect(result.code).toBe(1)
    expect(result.json().error).toMatchObject({ code: 'not_found' })
    expect(result.json().error.message).toMatch(/no store named no-such-store; stores: .*ai-artist/)
  })
})
