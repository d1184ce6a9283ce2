import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import pg from 'pg'
import { openStore, Random } from '../src/core/index.js'
import { aiArtistTables } from '../src/stores/ai-artist/tables.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import { pgLocation, type BenchContext } from './lib/context.js'
import { benchImages, drizzleImages } from './lib/images.js'
import { newFigure, type Figure } from './lib/report.js'
import {
  formatNumber,
  formatRatio,
  interleavedMedians,
  progress,
  repeatMedian,
  seconds,
} from './lib/stats.js'
import { dropSchema } from './ingest.js'

const TABLE_ROWS = 100_000

/** readIds is the same random sequence of existing ids for every contender. */
function readIds(count: number, max: number): number[] {
  const random = new Random(7)
  return Array.from({ length: count }, () => random.int(1, max))
}

/** Figure 2: gets by id through the repository, against raw better-sqlite3 and drizzle. */
export async function pointReadsFigure(ctx: BenchContext): Promise<Figure> {
  const n = ctx.sizes.pointReads
  const rows = Math.min(TABLE_ROWS, ctx.sizes.ingestRows)
  const figure = newFigure(
    '2',
    'Point reads (SQLite)',
    `${formatNumber(n)} gets by random id from a ${formatNumber(rows)}-row ai-artist store: ` +
      `genmedia's \`getImage\` (awaited, row decoded: JSON parsed, timestamps ISO-8601), raw ` +
      `better-sqlite3 \`stmt.get(id)\` on one prepared statement (also with genmedia's codec ` +
      `decoding each row, and that inside an awaited async function), drizzle-orm prepared ` +
      `\`select … where id = placeholder\`. Time per read; median of ${ctx.sizes.repeats} ` +
      `interleaved rounds (each contender once per round).`,
  )
  const file = join(ctx.workDir, 'point_reads.db')
  const seed = await openStore(aiArtistStore, { location: file })
  await seed.repo.addImages(benchImages(rows, 'read'))
  await seed.close()
  const ids = readIds(n, rows)

  const handle = openSqliteFile(file)
  const store = await openStore(aiArtistStore, { location: file })
  const results: Record<string, number> = {}
  try {
    const stmt = handle.prepare('SELECT * FROM generated_images WHERE id = ?')
    // What getImage returns beyond the raw row: genmedia's codec for this table.
    const { decode } = aiArtistTables.generated_images.codec
    const d = drizzle({ client: handle })
    const prepared = d
      .select()
      .from(drizzleImages)
      .where(eq(drizzleImages.id, sql.placeholder('id')))
      .prepare()
    const runs: [string, () => Promise<unknown>][] = [
      [
        'raw better-sqlite3',
        async () => {
          for (const id of ids) stmt.get(id)
        },
      ],
      [
        'raw better-sqlite3 + row decoding',
        async () => {
          for (const id of ids) decode(stmt.get(id) as Record<string, unknown>)
        },
      ],
      [
        'raw better-sqlite3 + row decoding, awaited',
        async () => {
          // What an asynchronous API costs by itself: one async call and await per read.
          const read = async (id: number) => decode(stmt.get(id) as Record<string, unknown>)
          for (const id of ids) await read(id)
        },
      ],
      [
        'genmedia',
        async () => {
          for (const id of ids) await store.repo.getImage(id)
        },
      ],
      [
        'drizzle-orm prepared',
        async () => {
          for (const id of ids) prepared.get({ id })
        },
      ],
    ]
    for (const [, run] of runs) await run() // warm-up: caches, JIT
    Object.assign(
      results,
      await interleavedMedians(
        ctx.sizes.repeats,
        runs.map(([name, run]) => [name, async () => ((await seconds(run)) / n) * 1e6] as const),
        (round) =>
          progress(
            `point reads: round ${round + 1} of ${ctx.sizes.repeats}, ${formatNumber(n)} each`,
          ),
      ),
    )
  } finally {
    await store.close()
    handle.close()
  }
  const raw = results['raw better-sqlite3']!
  figure.tables.push({
    head: ['what', 'µs per read', 'vs raw'],
    rows: Object.entries(results).map(([name, us]) => [
      name,
      formatNumber(us, 2),
      formatRatio(us / raw),
    ]),
  })
  figure.goals.push({
    text: 'genmedia ≤ 1.3 × raw time per read',
    met: results.genmedia! <= 1.3 * raw,
    detail: formatRatio(results.genmedia! / raw),
  })
  const decoded = results['raw better-sqlite3 + row decoding']!
  const awaited = results['raw better-sqlite3 + row decoding, awaited']!
  figure.notes.push(
    `genmedia's time over raw: ${formatNumber(results.genmedia! - raw, 2)} µs per read, of which ` +
      `decoding the row (JSON columns parsed, timestamps to ISO-8601, booleans) is ` +
      `${formatNumber(decoded - raw, 2)} µs (the "raw + row decoding" line) and being ` +
      `asynchronous (an async call and an await per read, which genmedia's API needs for ` +
      `PostgreSQL and a synchronous \`stmt.get\` does not pay) ${formatNumber(awaited - decoded, 2)} µs ` +
      `(the "awaited" line); the rest, ${formatNumber(results.genmedia! - awaited, 2)} µs, is ` +
      `the layer's own (the prepared query's checks and binding, the repository call).`,
  )
  return figure
}

/** PostgreSQL point reads (figure 7): genmedia against a node-postgres named prepared statement. */
export async function pointReadsPostgres(ctx: BenchContext): Promise<Record<string, number>> {
  const n = ctx.sizes.pgPointReads
  const rows = Math.min(20_000, ctx.sizes.pgIngestRows)
  const schema = 'bench_point_reads'
  await dropSchema(ctx, schema)
  const store = await openStore(aiArtistStore, { location: pgLocation(ctx, schema) })
  const client = new pg.Client({ connectionString: ctx.pgUrl })
  const results: Record<string, number> = {}
  try {
    await store.repo.addImages(benchImages(rows, 'read'))
    await store.db.analyze()
    await client.connect()
    await client.query(`SET search_path TO ${schema}`)
    const ids = readIds(n, rows)
    const runs: [string, () => Promise<unknown>][] = [
      [
        'raw node-postgres (named prepared)',
        async () => {
          for (const id of ids) {
            await client.query({
              name: 'image_by_id',
              text: 'SELECT * FROM generated_images WHERE id = $1',
              values: [id],
            })
          }
        },
      ],
      [
        'genmedia',
        async () => {
          for (const id of ids) await store.repo.getImage(id)
        },
      ],
    ]
    for (const [name, run] of runs) {
      progress(`point reads on PostgreSQL: ${name}, ${formatNumber(n)} × ${ctx.sizes.repeats}`)
      await run()
      results[name] = await repeatMedian(
        ctx.sizes.repeats,
        async () => ((await seconds(run)) / n) * 1e6,
      )
    }
  } finally {
    await client.end().catch(() => undefined)
    await store.close()
    await dropSchema(ctx, schema)
  }
  return results
}
