import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, formatRatio } from './lib/stats.js'
import { ingestPostgres } from './ingest.js'
import { pointReadsPostgres } from './point-reads.js'
import {
  measureNamedQueries,
  missedQueries,
  queryTable,
  type QueryResult,
} from './named-queries.js'
import { claimGoals, claimTable, measureClaims } from './claims.js'

/** Figure 7: figures 1–4 again on the local PostgreSQL server. */
export async function postgresFigure(
  ctx: BenchContext,
): Promise<{ figure: Figure; results: QueryResult[] }> {
  const figure = newFigure(
    '7',
    'PostgreSQL',
    `Figures 1–4 on the PostgreSQL server, database \`genmedia_bench\`, a schema per store ` +
      `(scale data copied from the same cached SQLite files, then ANALYZEd). Ingest: ` +
      `${formatNumber(ctx.sizes.pgIngestRows)} images, genmedia's \`addImages\` against ` +
      `node-postgres sending the same 500-row INSERT text in one transaction. Point reads: ` +
      `${formatNumber(ctx.sizes.pgPointReads)} gets by id, against a node-postgres named ` +
      `prepared statement. Claims: ${formatNumber(ctx.sizes.claimJobsPostgres)} jobs ` +
      `(\`FOR UPDATE SKIP LOCKED\`). Medians of ${ctx.sizes.repeats} runs.`,
  )
  const ingest = await ingestPostgres(ctx)
  const reads = await pointReadsPostgres(ctx)
  const rawRead = reads['raw node-postgres (named prepared)']!
  figure.tables.push({
    title: 'Ingest and point reads',
    head: ['what', 'figure', 'vs raw node-postgres'],
    rows: [
      ['ingest, raw node-postgres (rows/s)', formatNumber(ingest.raw!), formatRatio(1)],
      [
        'ingest, genmedia (rows/s)',
        formatNumber(ingest.genmedia!),
        formatRatio(ingest.genmedia! / ingest.raw!),
      ],
      ['point read, raw node-postgres (µs)', formatNumber(rawRead, 1), formatRatio(1)],
      [
        'point read, genmedia (µs)',
        formatNumber(reads.genmedia!, 1),
        formatRatio(reads.genmedia! / rawRead),
      ],
    ],
  })
  const { results, sizes } = await measureNamedQueries(ctx, 'postgres')
  figure.tables.push({ title: 'Named queries at scale', ...queryTable(results) })
  const missed = missedQueries(results)
  figure.notes.push(`Sizes: ${sizes.join('; ')}.`)
  figure.notes.push(
    missed.length
      ? `List/lookup queries at or over 5 ms or reading a large table in full on PostgreSQL: ${missed.map((r) => `${r.store} ${r.name}`).join('; ')}.`
      : 'Every list/lookup query is under 5 ms at p50 and reads no large table in full.',
  )
  const { runs, plan } = await measureClaims(ctx, 'postgres')
  figure.tables.push({ title: 'Claims', ...claimTable(runs) })
  claimGoals(figure, runs, 'PostgreSQL')
  figure.notes.push(`Plan of the claim: ${plan.lines.map((l) => l.trim()).join(' → ')}.`)
  return { figure, results }
}
