import { join } from 'node:path'
import {
  openStore,
  seedStore,
  tableNamesOf,
  type OpenStore,
  type StoreDefinition,
} from '../src/core/index.js'
import { engineFor } from '../src/core/engines/index.js'
import { STORES } from '../src/stores/registry.js'
import { pgLocation, type BenchContext } from './lib/context.js'
import { explainQueries, type PlanSummary } from './lib/plans.js'
import { newFigure, type Figure, type ResultTable } from './lib/report.js'
import { formatMs, formatNumber, percentile, progress } from './lib/stats.js'
import { dropSchema } from './ingest.js'
import { scaledPostgres, scaledSqliteFile, scaleTable } from './scale-data.js'

/** A table of more rows than this is "large": reading all of it on a hot path is a finding. */
const LARGE = 10_000
/** The goal for every list and lookup query on SQLite. */
const GOAL_MS = 5

export interface QueryResult {
  store: string
  name: string
  kind: 'lookup' | 'list' | 'aggregate'
  p50: number
  p95: number
  samples: number
  plan: PlanSummary
  /** Large tables this query reads in full. */
  largeScans: string[]
}

async function rowCounts(store: OpenStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of tableNamesOf(store.definition)) {
    const [row] = await store.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)
    counts[table] = Number(row?.n ?? 0)
  }
  return counts
}

/** timeQuery runs a query once to warm up, then until the budget or the sample cap is spent. */
export async function timeQuery(ctx: BenchContext, run: () => Promise<unknown>): Promise<number[]> {
  await run()
  const samples: number[] = []
  const start = performance.now()
  while (
    samples.length < ctx.sizes.querySamples &&
    (samples.length < 3 || performance.now() - start < ctx.sizes.queryBudgetMs)
  ) {
    const t = performance.now()
    await run()
    samples.push(performance.now() - t)
  }
  return samples
}

async function measureStore(
  ctx: BenchContext,
  store: OpenStore,
): Promise<{ results: QueryResult[]; counts: Record<string, number> }> {
  const counts = await rowCounts(store)
  const results: QueryResult[] = []
  for (const q of store.definition.namedQueries) {
    const samples = await timeQuery(ctx, () => q.run(store.repo))
    const { queries } = await store.db.captureQueries(() => q.run(store.repo))
    const plan = await explainQueries(store.db, queries)
    results.push({
      store: store.definition.name,
      name: q.name,
      kind: q.kind,
      p50: percentile(samples, 50),
      p95: percentile(samples, 95),
      samples: samples.length,
      plan,
      largeScans: plan.fullScans.filter((t) => (counts[t] ?? 0) > LARGE),
    })
  }
  return { results, counts }
}

/** openScaled opens the store's scale data on an engine, or its sample data when it has no plan. */
export async function openScaled(
  ctx: BenchContext,
  def: StoreDefinition,
  engine: 'sqlite' | 'postgres',
): Promise<OpenStore> {
  const rows = ctx.sizes.scaleRows
  if (scaleTable(def)) {
    const location =
      engine === 'sqlite' ? await scaledSqliteFile(def, rows) : await scaledPostgres(ctx, def, rows)
    return openStore(def, { location })
  }
  const location =
    engine === 'sqlite'
      ? join(ctx.workDir, `${def.name}-sample.db`)
      : pgLocation(ctx, `bench_sample_${def.name.replace(/-/g, '_')}`)
  if (engine === 'postgres') await dropSchema(ctx, engineFor(location).location.schema!)
  const store = await openStore(def, { location })
  await seedStore(store)
  return store
}

/** measureNamedQueries times every named query of every store on one engine. */
export async function measureNamedQueries(
  ctx: BenchContext,
  engine: 'sqlite' | 'postgres',
): Promise<{ results: QueryResult[]; sizes: string[] }> {
  const results: QueryResult[] = []
  const sizes: string[] = []
  for (const def of STORES) {
    if (def.namedQueries.length === 0) continue
    progress(`named queries on ${engine}: ${def.name}`)
    const store = await openScaled(ctx, def, engine)
    try {
      const measured = await measureStore(ctx, store)
      results.push(...measured.results)
      const table = scaleTable(def)
      sizes.push(
        table
          ? `${def.name}: ${table} ${formatNumber(measured.counts[table] ?? 0)} rows`
          : `${def.name}: sample data only (no table to scale)`,
      )
    } finally {
      await store.close()
      if (engine === 'postgres' && !scaleTable(def)) {
        await dropSchema(ctx, `bench_sample_${def.name.replace(/-/g, '_')}`)
      }
    }
  }
  return { results, sizes }
}

export function queryTable(results: readonly QueryResult[]): ResultTable {
  return {
    head: ['store', 'query', 'kind', 'p50 ms', 'p95 ms', 'index', 'full scan of a large table'],
    rows: results.map((r) => [
      r.store,
      r.name,
      r.kind,
      formatMs(r.p50),
      formatMs(r.p95),
      r.plan.usesIndex ? 'yes' : 'no',
      r.largeScans.join(', ') || '—',
    ]),
  }
}

/** slowOrScanning lists the list/lookup queries that miss the goal, for the goal line. */
export function missedQueries(results: readonly QueryResult[]): QueryResult[] {
  return results.filter(
    (r) => r.kind !== 'aggregate' && (r.p50 >= GOAL_MS || r.largeScans.length > 0),
  )
}

export function plansAppendix(results: readonly QueryResult[]): string {
  return results
    .map((r) => `${r.store} ${r.name}:\n${r.plan.lines.map((l) => `  ${l}`).join('\n')}`)
    .join('\n')
}

/** Figure 3: every named query of every store at a million rows, on SQLite. */
export async function namedQueriesFigure(
  ctx: BenchContext,
): Promise<{ figure: Figure; results: QueryResult[] }> {
  const { results, sizes } = await measureNamedQueries(ctx, 'sqlite')
  const figure = newFigure(
    '3',
    'Named queries at scale (SQLite)',
    `Every named query of every store (\`namedQueries\` in its definition, with its sample ` +
      `arguments), on a store whose largest table holds ${formatNumber(ctx.sizes.scaleRows)} ` +
      `rows more than its sample data (sizes below), ANALYZEd. Each query runs once to warm up, ` +
      `then for ${ctx.sizes.queryBudgetMs} ms (at least 3, at most ${ctx.sizes.querySamples} ` +
      `runs); "index" is whether EXPLAIN QUERY PLAN of what it sends reads through an index ` +
      `(or the primary key in order, stopping at its LIMIT with nothing to sort), "full scan" ` +
      `names tables over ${formatNumber(LARGE)} rows it reads without one.`,
  )
  figure.tables.push(queryTable(results))
  const missed = missedQueries(results)
  figure.goals.push({
    text: `p50 < ${GOAL_MS} ms for every list/lookup query and no full scan of a large table`,
    met: missed.length === 0,
    detail: missed.length
      ? `missed by ${missed.map((r) => `${r.store} ${r.name}`).join('; ')}`
      : `${results.filter((r) => r.kind !== 'aggregate').length} list/lookup queries`,
  })
  figure.notes.push(`Sizes: ${sizes.join('; ')}.`)
  return { figure, results }
}
