import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, formatRatio, median, ratioSpread } from './lib/stats.js'
import { INGEST_BATCH, ingestPostgres } from './ingest.js'
import { pointReadsPostgres, SLICES } from './point-reads.js'
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
      `node-postgres sending the same 500-row INSERT text. Point reads: ` +
      `${formatNumber(ctx.sizes.pgPointReads)} gets by id, against a node-postgres named ` +
      `prepared statement. Claims: ${formatNumber(ctx.sizes.claimJobsPostgres)} jobs ` +
      `(\`FOR UPDATE SKIP LOCKED\`). Ingest and point reads: ${ctx.sizes.ratioRounds} rounds, ` +
      `in each of which genmedia and the raw contender take turns over batches of the rows ` +
      `(${formatNumber(INGEST_BATCH)}, each a transaction) and slices of the reads (${SLICES}), ` +
      `so that the machine's drift falls on both alike; ratios taken within a round (median and ` +
      `worst); the rest medians of ` +
      `${ctx.sizes.repeats} runs.`,
  )
  const ingest = await ingestPostgres(ctx)
  const reads = await pointReadsPostgres(ctx)
  const rounds = ctx.sizes.ratioRounds
  const rawReads = reads['raw node-postgres (named prepared)']!
  const ingestRatio = ratioSpread(ingest.genmedia!, ingest.raw!, 'higher')
  const readRatio = ratioSpread(reads.genmedia!, rawReads, 'lower')
  figure.tables.push({
    title: 'Ingest and point reads',
    head: ['what', 'figure', 'vs raw node-postgres', `vs raw, worst of ${rounds}`],
    rows: [
      [
        'ingest, raw node-postgres (rows/s)',
        formatNumber(median(ingest.raw!)),
        formatRatio(1),
        formatRatio(1),
      ],
      [
        'ingest, genmedia (rows/s)',
        formatNumber(median(ingest.genmedia!)),
        formatRatio(ingestRatio.median),
        formatRatio(ingestRatio.worst),
      ],
      [
        'point read, raw node-postgres (µs)',
        formatNumber(median(rawReads), 1),
        formatRatio(1),
        formatRatio(1),
      ],
      [
        'point read, genmedia (µs)',
        formatNumber(median(reads.genmedia!), 1),
        formatRatio(readRatio.median),
        formatRatio(readRatio.worst),
      ],
    ],
  })
  figure.goals.push({
    text: `PostgreSQL ingest ≥ 0.9 × raw node-postgres, in the worst of ${rounds} rounds`,
    met: ingestRatio.worst >= 0.9,
    detail: `worst ${formatRatio(ingestRatio.worst)}, median ${formatRatio(ingestRatio.median)}`,
  })
  figure.goals.push({
    text: `PostgreSQL point reads ≤ 1.2 × raw node-postgres, in the worst of ${rounds} rounds`,
    met: readRatio.worst <= 1.2,
    detail: `worst ${formatRatio(readRatio.worst)}, median ${formatRatio(readRatio.median)}`,
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
