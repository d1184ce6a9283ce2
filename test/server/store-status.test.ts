import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  backupStore,
  openBackupTarget,
  openStore,
  seedStore,
  type OpenStore,
} from '../../src/core/index.js'
import { StoreStatus } from '../../src/server/store-status.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'

describe.each(ENGINES)('store status for GET /api/stores on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore
  let location: string

  beforeAll(async () => {
    location = ctx.freshLocation('ai')
    store = await openStore(aiArtistStore, { location })
    await seedStore(store)
    process.env.GENMEDIA_AI_ARTIST_URL = location
  })
  afterAll(async () => {
    delete process.env.GENMEDIA_AI_ARTIST_URL
    await store.close()
  })

  it('reports health from doctor, pending until the first check has run', async () => {
    const status = new StoreStatus(openBackupTarget(join(ctx.dir, 'no-backups')))
    try {
      expect((await status.describe(store)).health).toEqual({
        status: 'pending',
        checkedAt: null,
        checks: [],
      })
      await status.checkAll([aiArtistStore])
      const { health } = (await status.describe(store)) as { health: Record<string, unknown> }
      expect(health).toMatchObject({ status: 'ok', checks: [] })
      expect(health.checkedAt).toEqual(expect.any(String))

      await store.db.query('DROP INDEX idx_status_created')
      await status.checkAll([aiArtistStore])
      const after = (await status.describe(store)) as {
        health: { status: string; checks: { message: string }[] }
      }
      expect(after.health.status).toBe('error')
      expect(after.health.checks.map((c) => c.message).join('\n')).toMatch(/idx_status_created/)
    } finally {
      await status.stop()
    }
  })

  // pg_dump must reach the server: a real PostgreSQL, not the in-process one.
  it.skipIf(!engine.concurrent)(
    'reports the newest verified backup from the manifests',
    async () => {
      const folder = join(ctx.dir, 'backups')
      const status = new StoreStatus(openBackupTarget(folder))
      try {
        expect((await status.describe(store)).lastVerifiedBackup).toBeNull()
        const made = await backupStore(aiArtistStore, {
          location,
          target: openBackupTarget(folder),
        })
        expect(await status.lastVerifiedBackup('ai-artist')).toMatchObject({
          file: made.manifest.file,
          at: made.manifest.createdAt,
          schemaVersion: aiArtistStore.migrations.length,
        })
      } finally {
        await status.stop()
      }
    },
  )
})
