import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openStore, seedStore, type OpenStore } from '../../../src/core/index.js'
import { aiArtistStore, type AiArtistRepository } from '../../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { planOfCall } from '../../plans.js'

/**
 * Every SQL statement seed 004 shows, as its text. `postgres: false` marks statements that are
 * SQLite's own (PRAGMA, sqlite_master, EXPLAIN QUERY PLAN).
 */
const SEED_STATEMENTS: { name: string; sql: string; postgres: boolean }[] = [
  {
    name: 'Get Recent High-Quality Images',
    postgres: true,
    sql: `SELECT * FROM generated_images
WHERE status = 'curated'
  AND final_score >= 7.0
ORDER BY created_at DESC
LIMIT 10;`,
  },
  {
    name: 'Get Uncurated Images for Processing',
    postgres: true,
    sql: `SELECT id, filename, prompt
FROM generated_images
WHERE status = 'pending'
ORDER BY created_at ASC
LIMIT 100;`,
  },
  {
    name: 'Quality Distribution',
    postgres: true,
    sql: `SELECT
    CASE
        WHEN final_score >= 8.0 THEN 'Excellent'
        WHEN final_score >= 6.0 THEN 'Good'
        WHEN final_score >= 4.0 THEN 'Fair'
        ELSE 'Poor'
    END as quality_tier,
    COUNT(*) as count,
    AVG(final_score) as avg_score
FROM generated_images
WHERE status = 'curated'
GROUP BY quality_tier;`,
  },
  {
    name: 'Training Session Statistics',
    postgres: true,
    sql: `SELECT
    name,
    dataset_size,
    final_loss,
    training_time_seconds / 3600.0 as training_hours,
    status
FROM training_sessions
ORDER BY started_at DESC;`,
  },
  {
    name: 'Daily Creation Statistics',
    postgres: true,
    sql: `SELECT
    DATE(started_at) as date,
    COUNT(*) as sessions,
    SUM(images_created) as total_created,
    SUM(images_kept) as total_kept,
    ROUND(AVG(avg_score), 2) as avg_quality
FROM creation_sessions
GROUP BY DATE(started_at)
ORDER BY date DESC;`,
  },
  {
    name: 'Use EXPLAIN QUERY PLAN',
    postgres: false,
    sql: `EXPLAIN QUERY PLAN
SELECT * FROM generated_images
WHERE status = 'curated'
ORDER BY final_score DESC
LIMIT 10;`,
  },
  {
    name: 'Database Size',
    postgres: false,
    sql: `SELECT
    page_count * page_size / 1024.0 / 1024.0 as size_mb
FROM pragma_page_count(), pragma_page_size();`,
  },
  {
    name: 'Table Statistics',
    postgres: false,
    sql: `SELECT
    name,
    (SELECT COUNT(*) FROM generated_images) as row_count
FROM sqlite_master
WHERE type = 'table' AND name = 'generated_images';`,
  },
  { name: 'Index Usage (list)', postgres: false, sql: "PRAGMA index_list('generated_images');" },
  { name: 'Index Usage (info)', postgres: false, sql: "PRAGMA index_info('idx_final_score');" },
  { name: 'Check integrity', postgres: false, sql: 'PRAGMA integrity_check;' },
  { name: 'WAL mode', postgres: false, sql: 'PRAGMA journal_mode=WAL;' },
  { name: 'synchronous', postgres: false, sql: 'PRAGMA synchronous=NORMAL;' },
  { name: 'cache size', postgres: false, sql: 'PRAGMA cache_size=-64000;' },
  { name: 'temp store', postgres: false, sql: 'PRAGMA temp_store=MEMORY;' },
]

describe.each(ENGINES)('seed 004 statements run verbatim on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository>

  beforeAll(async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('ai') })
    await seedStore(store)
  })
  afterAll(() => store.close())

  const statements = SEED_STATEMENTS.filter((s) => engine.name === 'sqlite' || s.postgres)
  it.each(statements)('$name', async ({ sql }) => {
    const rows = await store.db.query(sql.replace(/;\s*$/, ''))
    expect(Array.isArray(rows)).toBe(true)
  })

  it('the named methods return what the seed queries return', async () => {
    const strip = (s: string) => s.replace(/;\s*$/, '')
    const recent = await store.db.query<{ id: number }>(strip(SEED_STATEMENTS[0]!.sql))
    expect((await store.repo.listRecentHighQuality()).map((i) => i.id)).toEqual(
      recent.map((r) => r.id),
    )
    const uncurated = await store.db.query<{ id: number }>(strip(SEED_STATEMENTS[1]!.sql))
    expect((await store.repo.listUncurated()).map((i) => i.id)).toEqual(uncurated.map((r) => r.id))
    const daily = await store.repo.getDailyCreationStatistics()
    expect(daily.length).toBeGreaterThanOrEqual(14)
    expect(daily[0]!.date > daily[1]!.date).toBe(true)
    const tiers = await store.repo.getQualityDistribution()
    expect(tiers.reduce((n, t) => n + t.count, 0)).toBe(
      (await store.repo.countImagesByStatus()).curated,
    )
  })

  it.each(['2026-03-01T00:00:30Z', '2026-03-01T08:00:00Z', '2026-03-01T23:59:00Z'])(
    'sample data written at %s shows 14 calendar days of creation sessions',
    async (at) => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date(at) })
      const other = await openStore(aiArtistStore, { location: ctx.freshLocation('ai-day') })
      try {
        await seedStore(other)
        const daily = await other.repo.getDailyCreationStatistics()
        expect(daily.map((d) => d.date)).toHaveLength(14)
        expect(daily[0]!.date).toBe(at.slice(0, 10))
        expect(daily[13]!.date).toBe('2026-02-16')
      } finally {
        vi.useRealTimers()
        await other.close()
      }
    },
  )

  it('the plan of the recent high-quality query uses an index, not a sort of the table', async () => {
    if (engine.name !== 'sqlite') return
    const plan = await store.db.query<{ detail: string }>(
      "EXPLAIN QUERY PLAN SELECT * FROM generated_images WHERE status = 'curated' AND final_score >= 7.0 ORDER BY created_at DESC LIMIT 10",
    )
    const text = plan.map((p) => p.detail).join('\n')
    expect(text).toMatch(/USING INDEX idx_status_created/)
    expect(text).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/)
  })

  it('the featured list reads its pages in order from an index, not by sorting every featured image', async () => {
    if (engine.name !== 'sqlite') return
    const details = await planOfCall(store.db, () =>
      store.repo.listImages({ featured: true }, { limit: 10 }),
    )
    expect(details).toMatch(/INDEX idx_featured_created/)
    expect(details).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/)
  })
})

describe('seed 004 constraints added by ALTER TABLE', () => {
  it('are part of CREATE TABLE under the seed’s names (SQLite has no ADD CONSTRAINT)', async () => {
    const { migrations } = await import('../../../src/stores/ai-artist/migrations.js')
    const { sqliteDialect } = await import('../../../src/core/index.js')
    const ddl = migrations[0]!.up(sqliteDialect).join('\n')
    expect(ddl).toContain('filename TEXT NOT NULL UNIQUE')
    expect(ddl).toContain(
      'CONSTRAINT check_score_range CHECK (final_score >= 0 AND final_score <= 10)',
    )
    expect(ddl).toContain(
      "CONSTRAINT check_status_valid CHECK (status IN ('pending', 'curated', 'rejected'))",
    )
  })
})
