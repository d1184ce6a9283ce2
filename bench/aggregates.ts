import { STORES } from '../src/stores/registry.js'
import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatMs, formatNumber, percentile, progress } from './lib/stats.js'
import { dropSchema } from './ingest.js'
import { openScaled, timeQuery } from './named-queries.js'
import { scaleTable } from './scale-data.js'

/** The goal for every aggregate named query, on either engine. */
const GOAL_MS = 50

/**
 * The statement each aggregate sent before it read a summary table: the seed's GROUP BY over
 * every row of the source table. Timed on the same data in the same run, for comparison.
 */
const GROUP_BY: Record<string, string> = {
  'video-batch getVideoStatistics': `SELECT v.status, COUNT(*) as count,
    AVG(v.generation_time_seconds) as avg_time, AVG(v.file_size_bytes) as avg_size
FROM videos v GROUP BY v.status ORDER BY v.status`,
  'video-batch countVideosByStatus': 'SELECT status, COUNT(*) AS count FROM videos GROUP BY status',
  'ai-artist getQualityDistribution': `SELECT CASE
        WHEN final_score >= 8.0 THEN 'Excellent'
        WHEN final_score >= 6.0 THEN 'Good'
        WHEN final_score >= 4.0 THEN 'Fair'
        ELSE 'Poor'
    END as quality_tier, COUNT(*) as count, AVG(final_score) as avg_score
FROM generated_images WHERE status = 'curated' GROUP BY quality_tier`,
  'ai-artist countImagesByStatus':
    'SELECT status, COUNT(*) AS count FROM generated_images GROUP BY status',
  'trends countTopicsBySource': `SELECT source, COUNT(*) AS total,
    SUM(CASE WHEN used_flag = 0 THEN 1 ELSE 0 END) AS unused
FROM trending_topics GROUP BY source ORDER BY source`,
  'image-library countImagesByCharacter': `SELECT character, emotion, COUNT(*) AS images,
    SUM(usage_count) AS uses
FROM image_library GROUP BY character, emotion ORDER BY character, emotion`,
}

interface AggregateResult {
  engine: 'sqlite' | 'postgres'
  store: string
  name: string
  p50: number
  p95: number
  /** p50 of the GROUP BY the query sent before, where it sent one. */
  before?: number
}

async function measureEngine(
  ctx: BenchContext,
  engine: 'sqlite' | 'postgres',
): Promise<AggregateResult[]> {
  const results: AggregateResult[] = []
  for (const def of STORES) {
    const aggregates = def.namedQueries.filter((q) => q.kind === 'aggregate')
    if (aggregates.length === 0) continue
    progress(`aggregates on ${engine}: ${def.name}`)
    const store = await openScaled(ctx, def, engine)
    try {
      for (const q of aggregates) {
        const samples = await timeQuery(ctx, () => q.run(store.repo))
        const groupBy = GROUP_BY[`${def.name} ${q.name}`]
        const before = groupBy ? await timeQuery(ctx, () => store.db.query(groupBy)) : undefined
        results.push({
          engine,
          store: def.name,
          name: q.name,
          p50: percentile(samples, 50),
          p95: percentile(samples, 95),
          before: before ? percentile(before, 50) : undefined,
        })
      }
    } finally {
      await store.close()
      if (engine === 'postgres' && !scaleTable(def)) {
        await dropSchema(ctx, `bench_sample_${def.name.replace(/-/g, '_')}`)
      }
    }
  }
  return results
}

/**
 * Figure 13: every aggregate named query of every store at a million rows, on SQLite and
 * PostgreSQL, beside the GROUP BY over the whole source table it replaced.
 */
export async function aggregatesFigure(ctx: BenchContext): Promise<Figure> {
  const engines: ('sqlite' | 'postgres')[] = ctx.pgUrl ? ['sqlite', 'postgres'] : ['sqlite']
  const results: AggregateResult[] = []
  for (const engine of engines) results.push(...(await measureEngine(ctx, engine)))
  const figure = newFigure(
    '13',
    'Aggregates at scale',
    `Every aggregate named query of every store (\`kind: 'aggregate'\` in its definition), on ` +
      `the scale data of figure 3 (the largest table of each store grown by ` +
      `${formatNumber(ctx.sizes.scaleRows)} rows; on PostgreSQL the same rows, as in figure 7), ` +
      `timed as in figure 3. Where the query now reads a summary table kept by triggers, ` +
      `"GROUP BY before" is the seed's statement over every row of the source table, which the ` +
      `query sent before, timed on the same data in the same run.` +
      (ctx.pgUrl ? '' : ` PostgreSQL skipped: ${ctx.pgSkipReason}.`),
  )
  figure.tables.push({
    head: ['engine', 'store', 'query', 'p50 ms', 'p95 ms', 'GROUP BY before, p50 ms'],
    rows: results.map((r) => [
      r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL',
      r.store,
      r.name,
      formatMs(r.p50),
      formatMs(r.p95),
      r.before === undefined ? '—' : formatMs(r.before),
    ]),
  })
  const missed = results.filter((r) => r.p50 >= GOAL_MS)
  figure.goals.push({
    text: `p50 < ${GOAL_MS} ms for every aggregate named query on ${engines.length === 2 ? 'SQLite and PostgreSQL' : 'SQLite'}`,
    met: missed.length === 0,
    detail: missed.length
      ? `missed by ${missed.map((r) => `${r.store} ${r.name} (${r.engine})`).join('; ')}`
      : `${results.length} queries, slowest ${formatMs(Math.max(...results.map((r) => r.p50)))} ms`,
  })
  return figure
}
