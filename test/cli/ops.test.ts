import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { seededStore } from '../core/backup-helpers.js'
import { runCli } from './run-cli.js'

describe.each(ENGINES)('genmedia backup, backups, restore, doctor, maintain on $name', (engine) => {
  const ctx = useEngine(engine)

  /** A fresh place for every store, with its own data folder (backups) on either engine. */
  const freshEnv = async (): Promise<Record<string, string>> => ({
    GENMEDIA_DATA_DIR: mkdtempSync(join(ctx.dir, 'data-')),
    ...(await ctx.freshEnv()),
  })

  /** Where the CLI puts ai-artist under `env`. */
  const locationIn = (env: Record<string, string>) => {
    if (!env.GENMEDIA_DATABASE_URL) return join(env.GENMEDIA_DATA_DIR!, 'ai_artist.db')
    const url = new URL(env.GENMEDIA_DATABASE_URL!)
    url.searchParams.set('schema', 'ai_artist')
    return url.toString()
  }
  const countImages = async (env: Record<string, string>) => {
    const store = await openStore(aiArtistStore, { location: locationIn(env) })
    try {
      const [row] = await store.db.query<{ n: number }>(
        'SELECT COUNT(*) AS n FROM generated_images',
      )
      return Number(row!.n)
    } finally {
      await store.close()
    }
  }

  // pg_dump reaches only a real PostgreSQL server, not the in-process PGlite.
  it.runIf(engine.concurrent)('backs up, lists, and restores only with --yes', async () => {
    const env = await freshEnv()
    // Created through the library: each CLI run costs a process start.
    await seededStore(locationIn(env))
    const seeded = await countImages(env)

    const backup = await runCli(['backup', 'ai-artist', '--keep', '3', '--json'], { env })
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    const [result] = backup.json()
    expect(result.manifest).toMatchObject({ store: 'ai-artist', verified: true })
    expect(result.kept).toEqual([result.manifest.file])
    expect(result.target).toBe(join(env.GENMEDIA_DATA_DIR!, 'backups'))

    const listed = await runCli(['backups', 'ai-artist', '--json'], { env })
    expect(listed.code).toBe(0)
    expect(listed.json()).toEqual([
      expect.objectContaining({ store: 'ai-artist', file: result.manifest.file, verified: true }),
    ])

    const store = await openStore(aiArtistStore, { location: locationIn(env) })
    await store.db.query('DELETE FROM generated_images WHERE id > 10')
    await store.close()

    const refused = await runCli(['restore', 'ai-artist', result.manifest.file], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--yes/)
    expect(await countImages(env)).toBe(10)

    // latest: the newest backup that verifies, here the one just taken.
    const restored = await runCli(['restore', 'ai-artist', 'latest', '--yes', '--json'], { env })
    expect(restored.stderr).toBe('')
    expect(restored.code).toBe(0)
    expect(restored.json()).toMatchObject({ backup: expect.stringContaining(result.manifest.file) })
    expect(restored.json().rowCounts.generated_images).toBe(seeded)
    expect(await countImages(env)).toBe(seeded)
  })

  it('doctor passes a healthy store and fails a dropped index; maintain keeps the data; backup names what to install when pg_dump is missing', async () => {
    const env = await freshEnv()
    // Created through the library: each CLI run costs a process start.
    await seededStore(locationIn(env))
    const healthy = await runCli(['doctor', 'ai-artist', '--json'], { env })
    expect(healthy.code).toBe(0)
    expect(healthy.json()[0]).toMatchObject({ store: 'ai-artist', ok: true })

    const maintained = await runCli(['maintain', 'ai-artist', '--analyze', '--json'], { env })
    expect(maintained.code).toBe(0)
    expect(maintained.json()[0].steps[0]).toMatchObject({ task: 'analyze' })

    // A PATH without the PostgreSQL client tools: SQLite needs none of them.
    const noTools = await runCli(['backup', 'ai-artist'], {
      env: { ...env, PATH: mkdtempSync(join(ctx.dir, 'empty-path-')) },
    })
    if (env.GENMEDIA_DATABASE_URL) {
      expect(noTools.code).toBe(1)
      expect(noTools.stderr).toMatch(/pg_dump is not on PATH: install the PostgreSQL client tools/)
    } else {
      expect(noTools.stderr).toBe('')
      expect(noTools.code).toBe(0)
    }

    const store = await openStore(aiArtistStore, { location: locationIn(env) })
    await store.db.query('DROP INDEX idx_status_created')
    await store.close()
    // Without STORE arguments: every store that has a database, as a table.
    const broken = await runCli(['doctor'], { env })
    expect(broken.code).toBe(1)
    expect(broken.stdout).toMatch(/missing index idx_status_created/)
  })
})
