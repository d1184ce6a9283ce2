import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { eq, sql } from 'drizzle-orm'
import pg from 'pg'
import { openStore, Random } from '../src/core/index.js'
import { aiArtistTables } from '../src/stores/ai-artist/tables.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import { pgLocation, settleDisk, type BenchContext } from './lib/context.js'
import { benchImages, drizzleImages } from './lib/images.js'
import { newFigure, type Figure } from './lib/report.js'
import {
  chunks,
  formatNumber,
  formatRatio,
  median,
  progress,
  ratioSpread,
  slicedRounds,
  takeTurns,
} from './lib/stats.js'
import { dropSchema } from './ingest.js'

const TABLE_ROWS = 100_000

/**
 * The slices a round's reads are cut into: the contenders take turns slice by slice
 * (takeTurns, bench/lib/stats.ts), so that the host's drift falls on all of them alike.
 */
export const SLICES = 20

/** sliced cuts `ids` into SLICES slices of (nearly) equal length (fewer if there are fewer ids). */
function sliced(ids: readonly number[]): number[][] {
  return chunks(ids, Math.ceil(ids.length / SLICES))
}

/** perRead turns each round's milliseconds into µs per read of `n` reads. */
function perRead(results: Record<string, number[]>, n: number): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(results).map(([name, ms]) => [name, ms.map((m) => (m / n) * 1000)]),
  )
}

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
      `\`select … where id = placeholder\`. Time per read; ${ctx.sizes.ratioRounds} rounds, in ` +
      `each of which the contenders take turns over ${SLICES} slices of the reads (the order ` +
      `rotated every slice), so that the machine's drift falls on every contender alike: the ` +
      `median time, and each ratio taken within a round, its median and its worst round; the ` +
      `goals hold for the worst.`,
  )
  const file = join(ctx.workDir, 'point_reads.db')
  const seed = await openStore(aiArtistStore, { location: file })
  await seed.repo.addImages(benchImages(rows, 'read'))
  await seed.close()
  settleDisk()
  const ids = readIds(n, rows)

  const handle = openSqliteFile(file)
  const store = await openStore(aiArtistStore, { location: file })
  const results: Record<string, number[]> = {}
  const rounds = ctx.sizes.ratioRounds
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
    const slices = sliced(ids)
    const runs: [string, (slice: number) => unknown][] = [
      [
        'raw better-sqlite3',
        (slice) => {
          for (const id of slices[slice]!) stmt.get(id)
        },
      ],
      [
        'raw better-sqlite3 + row decoding',
        (slice) => {
          for (const id of slices[slice]!) decode(stmt.get(id) as Record<string, unknown>)
        },
      ],
      [
        'raw better-sqlite3 + row decoding, awaited',
        async (slice) => {
          // What an asynchronous API costs by itself: one async call and await per read.
          const read = async (id: number) => decode(stmt.get(id) as Record<string, unknown>)
          for (const id of slices[slice]!) await read(id)
        },
      ],
      [
        'genmedia',
        async (slice) => {
          for (const id of slices[slice]!) await store.repo.getImage(id)
        },
      ],
      [
        'drizzle-orm prepared',
        (slice) => {
          for (const id of slices[slice]!) prepared.get({ id })
        },
      ],
    ]
    // Warm-up: caches, JIT.
    await takeTurns(
      slices.length,
      runs.map(([, run]) => run),
    )
    Object.assign(
      results,
      perRead(
        await slicedRounds(rounds, slices.length, runs, (round) =>
          progress(`point reads: round ${round + 1} of ${rounds}, ${formatNumber(n)} each`),
        ),
        n,
      ),
    )
  } finally {
    await store.close()
    handle.close()
  }
  const us = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]))
  const raw = us['raw better-sqlite3']!
  const rawRounds = results['raw better-sqlite3']!
  figure.tables.push({
    head: ['what', 'µs per read', 'vs raw', `vs raw, worst of ${rounds}`],
    rows: Object.entries(results).map(([name, values]) => {
      const spread = ratioSpread(values, rawRounds, 'lower')
      return [
        name,
        formatNumber(median(values), 2),
        formatRatio(spread.median),
        formatRatio(spread.worst),
      ]
    }),
  })
  const vsRaw = ratioSpread(results.genmedia!, rawRounds, 'lower')
  const vsDrizzle = ratioSpread(results.genmedia!, results['drizzle-orm prepared']!, 'lower')
  figure.goals.push({
    text: `genmedia ≤ 1.25 × raw time per read, in the worst of ${rounds} rounds`,
    met: vsRaw.worst <= 1.25,
    detail: `worst ${formatRatio(vsRaw.worst)}, median ${formatRatio(vsRaw.median)}`,
  })
  figure.goals.push({
    text: `genmedia faster than drizzle-orm's prepared read, in the worst of ${rounds} rounds`,
    met: vsDrizzle.worst < 1,
    detail: `time per read: worst ${formatRatio(vsDrizzle.worst)} drizzle's, median ${formatRatio(vsDrizzle.median)}`,
  })
  const genmedia = us.genmedia!
  const decoded = us['raw better-sqlite3 + row decoding']!
  const awaited = us['raw better-sqlite3 + row decoding, awaited']!
  figure.notes.push(
    `genmedia's time over raw: ${formatNumber(genmedia - raw, 2)} µs per read, of which ` +
      `decoding the row (JSON columns parsed, timestamps to ISO-8601, booleans) is ` +
      `${formatNumber(decoded - raw, 2)} µs (the "raw + row decoding" line) and being ` +
      `asynchronous (an async call and an await per read, which genmedia's API needs for ` +
      `PostgreSQL and a synchronous \`stmt.get\` does not pay) ${formatNumber(awaited - decoded, 2)} µs ` +
      `(the "awaited" line); the rest, ${formatNumber(genmedia - awaited, 2)} µs, is ` +
      `the layer's own (the prepared query's checks and binding, the repository call).`,
  )
  return figure
}

/**
 * PostgreSQL point reads (figure 7): genmedia against a node-postgres named prepared statement,
 * in interleaved rounds; µs per read of each round.
 */
export async function pointReadsPostgres(ctx: BenchContext): Promise<Record<string, number[]>> {
  const n = ctx.sizes.pgPointReads
  const rows = Math.min(20_000, ctx.sizes.pgIngestRows)
  const schema = 'bench_point_reads'
  await dropSchema(ctx, schema)
  const store = await openStore(aiArtistStore, { location: pgLocation(ctx, schema) })
  const client = new pg.Client({ connectionString: ctx.pgUrl })
  const results: Record<string, number[]> = {}
  try {
    await store.repo.addImages(benchImages(rows, 'read'))
    await store.db.analyze()
    await client.connect()
    await client.query(`SET search_path TO ${schema}`)
    const ids = readIds(n, rows)
    const slices = sliced(ids)
    const runs: [string, (slice: number) => Promise<unknown>][] = [
      [
        'raw node-postgres (named prepared)',
        async (slice) => {
          for (const id of slices[slice]!) {
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
        async (slice) => {
          for (const id of slices[slice]!) await store.repo.getImage(id)
        },
      ],
    ]
    // Warm-up: statements prepared, JIT.
    await takeTurns(
      slices.length,
      runs.map(([, run]) => run),
    )
    const rounds = ctx.sizes.ratioRounds
    Object.assign(
      results,
      perRead(
        await slicedRounds(rounds, slices.length, runs, (round) =>
          progress(`point reads on PostgreSQL: round ${round + 1} of ${rounds}`),
        ),
        n,
      ),
    )
  } finally {
    await client.end().catch(() => undefined)
    await store.close()
    await dropSchema(ctx, schema)
  }
  return results
}
