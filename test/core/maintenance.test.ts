import { describe, expect, it } from 'vitest'
import { maintainStore } from '../../src/core/maintenance.js'
import { NotFoundError, openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { imageRows, seededStore } from './backup-helpers.js'

describe.each(ENGINES)('maintenance on $name', (engine) => {
  const ctx = useEngine(engine)

  it('runs REINDEX, VACUUM, ANALYZE and a checkpoint, keeping every row, and reports sizes', async () => {
    const location = ctx.freshLocation('maintain')
    await seededStore(location)
    // Deleting most rows leaves free pages that VACUUM gives back.
    const store = await openStore(aiArtistStore, { location })
    await store.db.query('DELETE FROM generated_images WHERE id > 20')
    await store.close()
    const before = await imageRows(location)

    const report = await maintainStore(aiArtistStore, { location })
    expect(report.steps.map((s) => s.task)).toEqual(
      engine.name === 'sqlite'
        ? ['reindex', 'vacuum', 'analyze', 'checkpoint', 'optimize']
        : ['reindex', 'vacuum', 'analyze', 'checkpoint'],
    )
    expect(report.before.databaseBytes).toBeGreaterThan(0)
    if (engine.name === 'sqlite') {
      expect(report.after.databaseBytes).toBeLessThan(report.before.databaseBytes)
      expect(report.after.walBytes).toBe(0)
    }
    expect(await imageRows(location)).toEqual(before)
  })

  it('runs only the tasks asked for', async () => {
    const location = ctx.freshLocation('analyze')
    await seededStore(location)
    const report = await maintainStore(aiArtistStore, { location, tasks: ['analyze'] })
    expect(report.steps[0]).toMatchObject({ task: 'analyze' })
    expect(report.steps.map((s) => s.task)).not.toContain('vacuum')
  })

  it('refuses a store without a database', async () => {
    await expect(
      maintainStore(aiArtistStore, { location: ctx.freshLocation('none') }),
    ).rejects.toBeInstanceOf(NotFoundError)
  })
})
