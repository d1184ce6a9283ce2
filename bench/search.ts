import { openStore, type OpenStore } from '../src/core/index.js'
import { aiArtistStore, type AiArtistRepository } from '../src/stores/ai-artist/index.js'
import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatMs, formatNumber, median, progress } from './lib/stats.js'
import { scaledPostgres, scaledSqliteFile } from './scale-data.js'

/** Measured runs of each query after one warm-up. */
const RUNS = 15

/** ms of one call. */
async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return performance.now() - start
}

async function p50(fn: () => Promise<unknown>): Promise<number> {
  await fn()
  const runs: number[] = []
  for (let i = 0; i < RUNS; i++) runs.push(await time(fn))
  return median(runs)
}

/**
 * Figure 12: full-text search and facets on ai-artist images at a million rows, on SQLite and
 * PostgreSQL, beside `LIKE '%…%'` on the same data in the same run: a rare word (a file name),
 * a common word (in a tenth of the prompts or more) and a phrase, each as the first page of the
 * HTTP list (50 rows, best match first); facet counts of two columns over the whole table.
 */
export async function searchFigure(ctx: BenchContext): Promise<Figure> {
  const rows = ctx.sizes.scaleRows
  const figure = newFigure(
    '12',
    'Full-text search and facets (ai-artist images)',
    `ai-artist \`generated_images\` grown to ${formatNumber(rows)} rows (the named-queries data). ` +
      `Each query is \`listImages\` as \`GET /api/ai-artist/images?q=…\` runs it (first page of ` +
      `50, best match first), p50 of ${RUNS} runs after one warm-up; beside it the same first ` +
      `page by \`prompt LIKE '%…%' OR filename LIKE '%…%'\` newest first, on the same data.`,
  )
  const table = {
    head: ['engine', 'query', 'matches', 'search p50', "LIKE '%…%' p50"],
    rows: [] as string[][],
  }
  const facetRows: string[][] = []
  const goals: Record<string, number> = {}
  for (const engine of ['sqlite', 'postgres'] as const) {
    if (engine === 'postgres' && !ctx.pgUrl) continue
    const location =
      engine === 'sqlite'
        ? await scaledSqliteFile(aiArtistStore, rows)
        : await scaledPostgres(ctx, aiArtistStore, rows)
    const store: OpenStore<AiArtistRepository> = await openStore(aiArtistStore, { location })
    try {
      progress(`search: ${engine}`)
      const [sample] = await store.db.query<{ filename: string }>(
        'SELECT filename FROM generated_images ORDER BY id DESC LIMIT 1',
      )
      const rare = sample!.filename.replace(/\.[a-z]+$/, '')
      const queries: [label: string, q: string, like: string][] = [
        ['rare word (a file name)', rare, rare],
        ['common word', 'sunset', 'sunset'],
        ['phrase', '"snow capped mountains"', 'snow-capped mountains'],
      ]
      for (const [label, q, like] of queries) {
        const like1 = store.db.dialect.parameter(1)
        const like2 = store.db.dialect.parameter(2)
        const pattern = [`%${like}%`, `%${like}%`]
        const [count] = await store.db.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM generated_images WHERE prompt LIKE ${like1} OR filename LIKE ${like2}`,
          pattern,
        )
        const search = await p50(() => store.repo.listImages({}, { limit: 50 }, { q }))
        const likeQuery = `SELECT * FROM generated_images WHERE prompt LIKE ${like1} OR filename LIKE ${like2} ORDER BY created_at DESC, id DESC LIMIT 51`
        const likeMs = await p50(() => store.db.query(likeQuery, pattern))
        table.rows.push([
          engine,
          label,
          formatNumber(Number(count?.n ?? 0)),
          formatMs(search),
          formatMs(likeMs),
        ])
        goals[`${engine} ${label}`] = search
      }
      const facets = await p50(() =>
        store.repo.listImages({}, { limit: 50 }, { facets: ['status', 'model_id'] }),
      )
      const facetsSearched = await p50(() =>
        store.repo.listImages({}, { limit: 50 }, { q: 'sunset', facets: ['status', 'model_id'] }),
      )
      facetRows.push([engine, formatMs(facets), formatMs(facetsSearched)])
      goals[`${engine} facets`] = facets
    } finally {
      await store.close()
    }
  }
  figure.tables.push(table)
  figure.tables.push({
    title: 'Facets: status and model_id counted beside the first page',
    head: ['engine', 'whole table', 'with q=sunset'],
    rows: facetRows,
  })
  for (const engine of ['sqlite', 'postgres'] as const) {
    const limit = engine === 'sqlite' ? 20 : 50
    const searched = Object.entries(goals).filter(
      ([k]) => k.startsWith(engine) && !k.endsWith('facets'),
    )
    if (searched.length === 0) continue
    const worst = Math.max(...searched.map(([, v]) => v))
    figure.goals.push({
      text: `search p50 < ${limit} ms (${engine})`,
      met: worst < limit,
      detail: searched.map(([k, v]) => `${k.slice(engine.length + 1)} ${formatMs(v)}`).join('; '),
    })
    const facetMs = goals[`${engine} facets`]!
    figure.goals.push({
      text: `facet counts of two columns < 100 ms (${engine})`,
      met: facetMs < 100,
      detail: formatMs(facetMs),
    })
  }
  return figure
}
