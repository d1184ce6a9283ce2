import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import pg from 'pg'
import { dropSummaryTable, openStore, parseInput, sqliteDialect } from '../src/core/index.js'
import { dropSqlite, openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { parseSqliteLocation } from '../src/core/engines/sqlite/location.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import type { NewImage } from '../src/stores/ai-artist/index.js'
import { newImageSchema } from '../src/stores/ai-artist/inputs.js'
import { imageQualityTotals } from '../src/stores/ai-artist/migrations.js'
import { pgLocation, settleDisk, type BenchContext } from './lib/context.js'
import {
  benchImages,
  drizzleImages,
  drizzleValues,
  INGEST_COLUMNS,
  rawValues,
  sqliteText,
} from './lib/images.js'
import { newFigure, type Figure } from './lib/report.js'
import {
  chunks,
  formatNumber,
  formatRatio,
  median,
  progress,
  ratioSpread,
  takeTurns,
} from './lib/stats.js'

let fileCounter = 0

/** INGEST_BATCH is the rows of one batch: one transaction, one `addImages` call. */
export const INGEST_BATCH = 10_000

/** One contender of figure 1, open on a store file of its own. */
interface IngestRun {
  /** Inserts `rows` in one transaction of its own. */
  batch(rows: readonly NewImage[]): unknown
  close(): unknown
}

type IngestContender = readonly [name: string, open: (file: string) => Promise<IngestRun>]

/**
 * ingestRound runs one round of figure 1: every contender writes all of `images` into a new
 * store file of its own (the seed's indexes included), in batches of INGEST_BATCH rows, each
 * batch a transaction, the contenders taking turns batch by batch (the order rotated at every
 * batch: takeTurns). A contender's rate is its rows over the time spent in its own batches.
 */
async function ingestRound(
  ctx: BenchContext,
  images: readonly NewImage[],
  contenders: readonly IngestContender[],
): Promise<Record<string, number>> {
  const files = contenders.map(() => join(ctx.workDir, `ingest_${++fileCounter}.db`))
  const runs: IngestRun[] = []
  try {
    for (const file of files) {
      const store = await openStore(aiArtistStore, { location: file })
      await store.close()
    }
    for (let i = 0; i < contenders.length; i++) runs.push(await contenders[i]![1](files[i]!))
    const batches = chunks(images, INGEST_BATCH)
    settleDisk()
    const spent = await takeTurns(
      batches.length,
      runs.map((run) => (b: number) => run.batch(batches[b]!)),
    )
    return Object.fromEntries(
      contenders.map(([name], i) => [name, images.length / (spent[i]! / 1000)]),
    )
  } finally {
    for (const run of runs) await run.close()
    for (const file of files) await dropSqlite(parseSqliteLocation(file))
  }
}

const genmediaSqlite: IngestContender[1] = async (file) => {
  const store = await openStore(aiArtistStore, { location: file })
  return { batch: (rows) => store.repo.addImages(rows), close: () => store.close() }
}

/**
 * rawSqlite inserts through one prepared statement; `validate` runs genmedia's input validation
 * on each row first; `withoutSummary` drops the summary table and the triggers that keep it
 * (image_quality_totals), to show what they cost per row.
 */
function rawSqlite(validate = false, withoutSummary = false): IngestContender[1] {
  return async (file) => {
    const db = openSqliteFile(file)
    if (withoutSummary) {
      for (const statement of dropSummaryTable(sqliteDialect, imageQualityTotals))
        db.exec(statement)
    }
    const insert = db.prepare(
      `INSERT INTO generated_images (${INGEST_COLUMNS.join(', ')}) VALUES (${INGEST_COLUMNS.map(() => '?').join(', ')})`,
    )
    const batch = db.transaction((rows: readonly NewImage[]) => {
      for (const image of rows) {
        // The same zod validation genmedia's addImages runs on every input.
        if (validate) parseInput(newImageSchema, image)
        insert.run(rawValues(image))
      }
    })
    return { batch, close: () => db.close() }
  }
}

const drizzleSqlite: IngestContender[1] = async (file) => {
  const handle = openSqliteFile(file)
  const db = drizzle({ client: handle })
  return {
    batch: (rows) =>
      db.transaction((tx) => {
        for (let i = 0; i < rows.length; i += 500) {
          tx.insert(drizzleImages)
            .values(rows.slice(i, i + 500).map(drizzleValues))
            .run()
        }
      }),
    close: () => handle.close(),
  }
}

/** Figure 1: bulk insert of ai-artist images, genmedia against raw better-sqlite3 and drizzle. */
export async function ingestFigure(ctx: BenchContext): Promise<Figure> {
  const n = ctx.sizes.ingestRows
  const figure = newFigure(
    '1',
    'Ingest (SQLite)',
    `${formatNumber(n)} ai-artist images into a fresh store file with the seed's indexes, in ` +
      `batches of ${formatNumber(INGEST_BATCH)} rows, each batch one transaction: genmedia's ` +
      `\`addImages\` (zod validation and encoding of each input, one prepared single-row INSERT ` +
      `run per row), raw better-sqlite3 (one prepared single-row INSERT; and the same with ` +
      `genmedia's validation of each input, parseInput), drizzle-orm (500-row ` +
      `\`insert().values()\`). Each contender on a file of its own, made before the round and ` +
      `written out (\`sync\`), the contenders taking turns batch by batch (the order rotated at ` +
      `every batch), so that the machine's drift falls on every contender alike; a contender's ` +
      `rate is its rows over the time spent in its own batches. ${ctx.sizes.ratioRounds} rounds: ` +
      `the median rate, and each ratio taken within a round, its median and its worst round; ` +
      `the goals hold for the worst.`,
  )
  const images = benchImages(n)
  const contenders: IngestContender[] = [
    ['raw better-sqlite3', rawSqlite()],
    ['raw better-sqlite3 + input validation', rawSqlite(true)],
    ['genmedia', genmediaSqlite],
    // The first contender again: how far two runs of the same code differ in this figure.
    ['raw better-sqlite3, again', rawSqlite()],
    ['drizzle-orm', drizzleSqlite],
    ['raw better-sqlite3 without the summary triggers', rawSqlite(false, true)],
  ]
  const rounds = ctx.sizes.ratioRounds
  const results: Record<string, number[]> = Object.fromEntries(
    contenders.map(([name]) => [name, []]),
  )
  for (let round = 0; round < rounds; round++) {
    progress(`ingest: round ${round + 1} of ${rounds}, ${formatNumber(n)} rows each`)
    const rates = await ingestRound(ctx, images, contenders)
    for (const [name, rate] of Object.entries(rates)) results[name]!.push(rate)
  }
  const rates = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]))
  const raw = rates['raw better-sqlite3']!
  const rawRounds = results['raw better-sqlite3']!
  figure.tables.push({
    head: ['what', 'rows/s', 'vs raw', `vs raw, worst of ${rounds}`],
    rows: Object.entries(results).map(([name, values]) => {
      const spread = ratioSpread(values, rawRounds, 'higher')
      return [
        name,
        formatNumber(median(values)),
        formatRatio(spread.median),
        formatRatio(spread.worst),
      ]
    }),
  })
  const genmedia = rates.genmedia!
  const vsRaw = ratioSpread(results.genmedia!, rawRounds, 'higher')
  const vsDrizzle = ratioSpread(results.genmedia!, results['drizzle-orm']!, 'higher')
  figure.goals.push({
    text: `genmedia ≥ 0.85 × raw throughput, in the worst of ${rounds} rounds`,
    met: vsRaw.worst >= 0.85,
    detail: `worst ${formatRatio(vsRaw.worst)}, median ${formatRatio(vsRaw.median)}`,
  })
  figure.goals.push({
    text: `genmedia ≥ 2.5 × drizzle-orm's throughput, in the worst of ${rounds} rounds`,
    met: vsDrizzle.worst >= 2.5,
    detail: `worst ${formatRatio(vsDrizzle.worst)}, median ${formatRatio(vsDrizzle.median)}`,
  })
  const validated = rates['raw better-sqlite3 + input validation']!
  figure.notes.push(
    `genmedia's time over raw: ${formatNumber((1 / genmedia - 1 / raw) * 1e6, 2)} µs per row. ` +
      `Raw better-sqlite3 running genmedia's validation of each input between its inserts (the ` +
      `"raw + input validation" line) pays ${formatNumber((1 / validated - 1 / raw) * 1e6, 2)} µs ` +
      `per row for it: between two inserts, SQLite's work on the indexes has evicted the ` +
      `validation's code and data from the CPU's caches. genmedia validates and encodes a run of ` +
      `rows before it writes them (src/core/engines/sqlite/bulk.ts), and the rest of its time ` +
      `over raw is the per-column encoders (JSON stringified, timestamps written in SQLite's ` +
      `text form, defaults filled).`,
  )
  const bare = rates['raw better-sqlite3 without the summary triggers']!
  figure.notes.push(
    `Every contender but the last writes into the store's whole schema, the triggers that keep ` +
      `image_quality_totals (the dashboard's totals, docs/architecture.md) included: they cost ` +
      `${formatNumber((1 / raw - 1 / bare) * 1e6, 2)} µs per row (raw with them against raw ` +
      `without them).`,
  )
  return figure
}

/**
 * PostgreSQL ingest (figure 7): genmedia's addImages against node-postgres 500-row INSERTs, each
 * in a schema of its own, in batches of INGEST_BATCH rows (one transaction each) that the two
 * take turns at (takeTurns); rows/s of each round.
 */
export async function ingestPostgres(ctx: BenchContext): Promise<Record<string, number[]>> {
  const n = ctx.sizes.pgIngestRows
  const images = benchImages(n)
  const batches = chunks(images, INGEST_BATCH)
  const columns = INGEST_COLUMNS.length
  const text = (count: number) =>
    `INSERT INTO generated_images (${INGEST_COLUMNS.join(', ')}) VALUES ` +
    Array.from(
      { length: count },
      (_, r) => `(${INGEST_COLUMNS.map((_c, c) => `$${r * columns + c + 1}`).join(', ')})`,
    ).join(', ')
  const full = text(500)
  const results: Record<string, number[]> = { raw: [], genmedia: [] }
  const rounds = ctx.sizes.ratioRounds
  for (let round = 0; round < rounds; round++) {
    progress(`ingest on PostgreSQL: round ${round + 1} of ${rounds}`)
    const rawSchema = `bench_ingest_${++fileCounter}`
    const genmediaSchema = `bench_ingest_${++fileCounter}`
    const made = await openStore(aiArtistStore, { location: pgLocation(ctx, rawSchema) })
    await made.close()
    const store = await openStore(aiArtistStore, { location: pgLocation(ctx, genmediaSchema) })
    const client = new pg.Client({ connectionString: ctx.pgUrl })
    try {
      await client.connect()
      await client.query(`SET search_path TO ${rawSchema}; SET TIME ZONE 'UTC'`)
      const raw = async (batch: readonly NewImage[]) => {
        await client.query('BEGIN')
        for (let i = 0; i < batch.length; i += 500) {
          const chunk = batch.slice(i, i + 500)
          const values = chunk.flatMap((image) => {
            const row = rawValues(image)
            row[11] = Boolean(image.is_featured)
            row[13] = row[14] = sqliteText(image.created_at as Date)
            return row
          })
          await client.query(chunk.length === 500 ? full : text(chunk.length), values)
        }
        await client.query('COMMIT')
      }
      await checkpoint(ctx)
      const [rawMs, genmediaMs] = await takeTurns(batches.length, [
        (b) => raw(batches[b]!),
        (b) => store.repo.addImages(batches[b]!),
      ])
      results.raw!.push(n / (rawMs! / 1000))
      results.genmedia!.push(n / (genmediaMs! / 1000))
    } finally {
      await client.end().catch(() => undefined)
      await store.close()
      await dropSchema(ctx, rawSchema)
      await dropSchema(ctx, genmediaSchema)
    }
  }
  return results
}

/**
 * checkpoint has the server write out what earlier rounds left in its buffers (the rows of the
 * other contender's round, the schema it dropped) before a round is timed: otherwise that
 * writing falls into whichever round comes next, always the same contender's in interleaved
 * rounds.
 */
function checkpoint(ctx: BenchContext): Promise<void> {
  return runOnce(ctx, 'CHECKPOINT')
}

export function dropSchema(ctx: BenchContext, schema: string): Promise<void> {
  return runOnce(ctx, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)
}

/** runOnce runs one statement on a connection of its own to the bench database. */
async function runOnce(ctx: BenchContext, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ctx.pgUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
