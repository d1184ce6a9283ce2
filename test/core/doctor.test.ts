import { afterEach, describe, expect, it } from 'vitest'
import { diagnoseStore, type DoctorReport } from '../../src/core/doctor.js'
import { openStore, seedStore, type OpenStore } from '../../src/core/index.js'
import { aiArtistStore, type AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import { STORES } from '../../src/stores/registry.js'
import { videoBatchStore } from '../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../engines.js'

/** Rows from which doctor calls a table large in these tests (production default: 10,000). */
const THRESHOLD = 1_000
const STATUSES = ['pending', 'curated', 'rejected'] as const

const check = (report: DoctorReport, name: string) => report.checks.find((c) => c.name === name)

describe.each(ENGINES)('doctor on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<AiArtistRepository>[] = []
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  /** A seeded ai-artist store with a large generated_images table and fresh statistics. */
  async function largeStore(): Promise<{ location: string; store: OpenStore<AiArtistRepository> }> {
    const location = ctx.freshLocation('doctor')
    const store = await openStore(aiArtistStore, { location })
    open.push(store)
    await seedStore(store)
    await store.repo.addImages(
      Array.from({ length: 2 * THRESHOLD }, (_, i) => ({
        filename: `bulk_${i}.png`,
        prompt: `prompt ${i}`,
        model_id: `model-${i % 7}`,
        status: STATUSES[i % 3],
        final_score: (i % 100) / 10,
        created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
      })),
    )
    await store.db.analyze()
    return { location, store }
  }

  it('finds nothing wrong with a healthy store and reports its sizes, rows and indexes', async () => {
    const { location } = await largeStore()
    const report = await diagnoseStore(aiArtistStore, { location, scanThreshold: THRESHOLD })
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.rowCounts.generated_images).toBeGreaterThan(2 * THRESHOLD)
    expect(report.sizes.databaseBytes).toBeGreaterThan(0)
    expect(report.indexes.map((i) => i.name)).toContain('idx_status_created')
    expect(report.queries.map((q) => q.name)).toEqual(aiArtistStore.namedQueries.map((q) => q.name))
    for (const query of report.queries) {
      expect(query.statements.length, query.name).toBeGreaterThan(0)
      expect(query.statements[0]!.plan.length, query.name).toBeGreaterThan(0)
    }
  })

  it('catches a dropped index as schema drift', async () => {
    const { location, store } = await largeStore()
    await store.db.query('DROP INDEX idx_training_name')
    const report = await diagnoseStore(aiArtistStore, { location, scanThreshold: THRESHOLD })
    expect(report.ok).toBe(false)
    expect(check(report, 'schema drift')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('missing index idx_training_name'),
    })
  })

  it('catches a named query that falls back to a full scan of a large table', async () => {
    const { location, store } = await largeStore()
    for (const index of ['idx_status', 'idx_status_created', 'idx_status_score', 'idx_covering']) {
      await store.db.query(`DROP INDEX ${index}`)
    }
    const report = await diagnoseStore(aiArtistStore, { location, scanThreshold: THRESHOLD })
    expect(report.ok).toBe(false)
    const uncurated = report.queries.find((q) => q.name === 'listUncurated')!
    expect(uncurated.status).toBe('error')
    expect(uncurated.statements[0]!.fullScans).toEqual(['generated_images'])
    expect(check(report, 'query plans')).toMatchObject({
      status: 'error',
      message: expect.stringContaining('listUncurated scans generated_images'),
    })
    // Lookups by key are unaffected.
    expect(report.queries.find((q) => q.name === 'getImage')!.status).toBe('ok')

    // Below the threshold a table is small, and reading it whole is not flagged.
    const small = await diagnoseStore(aiArtistStore, { location, scanThreshold: 1_000_000 })
    expect(check(small, 'query plans')!.status).toBe('ok')
  })

  it('passes video-batch with 10,000+ images at the default threshold: lineage walks indexes', async () => {
    const location = ctx.freshLocation('lineage')
    const store = await openStore(videoBatchStore, { location })
    try {
      await seedStore(store)
      // One statement, so that 10,000 rows cost no more than one round trip; every third image
      // derives from image 1, so that the lineage has descendants to walk.
      await store.db.query(`INSERT INTO images (original_filename, status, origin_image_id)
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000)
SELECT 'bulk-' || x || '.png', 'success', CASE WHEN x % 3 = 0 THEN 1 ELSE NULL END FROM n`)
      await store.db.analyze()
      const lineage = await store.repo.getImageLineage(1)
      expect(
        lineage.descendants.filter((d) => d.original_filename.startsWith('bulk-')),
      ).toHaveLength(3333)
    } finally {
      await store.close()
    }
    const report = await diagnoseStore(videoBatchStore, { location })
    expect(report.rowCounts.images).toBeGreaterThan(10_000)
    expect(report.queries.find((q) => q.name === 'getImageLineage')).toMatchObject({ status: 'ok' })
    expect(check(report, 'query plans')).toMatchObject({ status: 'ok' })
  })

  it('reports a store without a database, creating nothing', async () => {
    const location = ctx.freshLocation('absent')
    const report = await diagnoseStore(aiArtistStore, { location })
    expect(report.ok).toBe(false)
    expect(check(report, 'database')!.message).toMatch(/run genmedia init ai-artist/)
    const again = await diagnoseStore(aiArtistStore, { location })
    expect(check(again, 'database')!.status).toBe('error')
  })

  it('runs on every registered store through the registry', async () => {
    for (const definition of STORES) {
      const location = ctx.freshLocation(definition.schema)
      const store = await openStore(definition, { location })
      await store.close()
      const report = await diagnoseStore(definition, { location })
      expect(
        report.checks.filter((c) => c.status === 'error'),
        definition.name,
      ).toEqual([])
      expect(report.queries).toHaveLength(definition.namedQueries.length)
    }
  })
})
