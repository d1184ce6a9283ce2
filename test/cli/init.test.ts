import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'

/** ai-artist's latest schema version. */
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

  it('--check reports a stranded restore point and what a killed restore left', async () => {
    const env = await ctx.freshEnv()
    expect((await runCli(['init', 'ai-artist'], { env })).code).toBe(0)
    const point = 'ai_artist_restore_point_20260101000000000'
    let leftover: string
    let strand: () => Promise<void>
    if (engine.name === 'sqlite') {
      const dir = env.GENMEDIA_DATA_DIR!
      // The scratch file of a restore whose process is gone.
      const dead = spawnSync(process.execPath, ['-e', '']).pid
      leftover = join(dir, `.ai_artist.db.restoring-${dead}-0a0b0c`)
      writeFileSync(leftover, 'half a restore')
      strand = async () => {
        const points = join(dir, 'backups', 'ai-artist', 'restore-points')
        mkdirSync(points, { recursive: true })
        renameSync(
          join(dir, 'ai_artist.db'),
          join(points, `ai-artist_restore_point_20260101_000000000.db`),
        )
      }
    } else {
      leftover = 'ai_artist_restoring_20260101000000000'
      const client = new pg.Client(env.GENMEDIA_DATABASE_URL)
      await client.connect()
      await client.query(`CREATE SCHEMA ${leftover}`)
      strand = async () => {
        await client.query(`ALTER SCHEMA ai_artist RENAME TO ${point}`)
        await client.end()
      }
    }
    const ready = await runCli(['init', '--check', 'ai-artist', '--json'], { env })
    expect(ready.code).toBe(0)
    expect(ready.json()[0]).toMatchObject({ status: 'ready', leftovers: [leftover] })
    expect(ready.json()[0].message).toMatch(/interrupted restore/)

    await strand()
    const stranded = await runCli(['init', '--check', 'ai-artist'], { env })
    expect(stranded.code).toBe(1)
    expect(stranded.stdout).toMatch(/stranded/)
    expect(stranded.stderr).toMatch(/restore point .*_restore_point_20260101.*exists/)
    expect(stranded.stderr).toMatch(/genmedia restore ai-artist --recover/)
    if (engine.name === 'sqlite') {
      // A writable open removes the scratch file of the restore that died.
      expect((await runCli(['restore', 'ai-artist', '--recover'], { env })).code).toBe(0)
      expect(existsSync(leftover)).toBe(true)
      expect((await runCli(['init', 'ai-artist'], { env })).code).toBe(0)
      expect(existsSync(leftover)).toBe(false)
    }
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
    expect(result.code).toBe(2)
    expect(result.json().error).toMatchObject({ code: 'not_found' })
    expect(result.json().error.message).toMatch(/no store named no-such-store; stores: .*ai-artist/)
  })
})
