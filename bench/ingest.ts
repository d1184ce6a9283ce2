import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import pg from 'pg'
import { dropSummaryTable, openStore, parseInput, sqliteDialect } from '../src/core/index.js'
import { dropSqlite, openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { parseSqliteLocation } from '../src/core/engines/sqlite/location.js'
import { engineFor } from '../src/core/engines/index.js'
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
  formatNumber,
  formatRatio,
  interleavedRounds,
  median,
  progress,
  ratioSpread,
  seconds,
} from './lib/stats.js'

let fileCounter = 0

/**
 * withFreshStoreFile migrates a new ai-artist SQLite file (the seed's indexes included), lets
 * the disk settle, runs `fn` on it and removes it: a round writes hundreds of MB, and neither
 * its file nor its write-back is left to the rounds after it.
 */
async function withFreshStoreFile<T>(
  ctx: BenchContext,
  fn: (file: string) => Promise<T>,
): Promise<T> {
  const file = join(ctx.workDir, `ingest_${++fileCounter}.db`)
  try {
    const store = await openStore(aiArtistStore, { location: file })
    await store.close()
    settleDisk()
    return await fn(file)
  } finally {
    await dropSqlite(parseSqliteLocation(file))
  }
}

async function genmediaSqlite(ctx: BenchContext, images: NewImage[]): Promise<number> {
  return withFreshStoreFile(ctx, async (file) => {
    const store = await openStore(aiArtistStore, { location: file })
    try {
      const s = await seconds(() => store.repo.addImages(images))
      return images.length / s
    } finally {
      await store.close()
    }
  })
}

/**
 * rawSqlite inserts through one prepared statement; `withoutSummary` first drops the summary
 * table and the triggers that keep it (image_quality_totals), to show what they cost per row.
 */
async function rawSqlite(
  ctx: BenchContext,
  images: NewImage[],
  validate = false,
  withoutSummary = false,
): Promise<number> {
  return withFreshStoreFile(ctx, async (file) => {
    const db = openSqliteFile(file)
    try {
      if (withoutSummary) {
        for (const statement of dropSummaryTable(sqliteDialect, imageQualityTotals))
          db.exec(statement)
      }
      const columns = INGEST_COLUMNS.join(', ')
      const insert = db.prepare(
        `INSERT INTO generated_images (${columns}) VALUES (${INGEST_COLUMNS.map(() => '?').join(', ')})`,
      )
      const s = await seconds(() =>
        db.transaction(() => {
          for (const image of images) {
            // The same zod validation genmedia's addImages runs on every input.
            if (validate) parseInput(newImageSchema, image)
            insert.run(rawValues(image))
          }
        })(),
      )
      return images.length / s
    } finally {
      db.close()
    }
  })
}

async function drizzleSqlite(ctx: BenchContext, images: NewImage[]): Promise<number> {
  return withFreshStoreFile(ctx, async (file) => {
    const handle = openSqliteFile(file)
    try {
      const db = drizzle({ client: handle })
      const s = await seconds(() =>
        db.transaction((tx) => {
          for (let i = 0; i < images.length; i += 500) {
            tx.insert(drizzleImages)
              .values(images.slice(i, i + 500).map(drizzleValues))
              .run()
          }
        }),
      )
      return images.length / s
    } finally {
      handle.close()
    }
  })
}

/** Figure 1: bulk insert of ai-artist images, genmedia against raw better-sqlite3 and drizzle. */
export async function ingestFigure(ctx: BenchContext): Promise<Figure> {
  const n = ctx.sizes.ingestRows
  const figure = newFigure(
    '1',
    'Ingest (SQLite)',
    `${formatNumber(n)} ai-artist images into a fresh store file with the seed's indexes, in one ` +
      `transaction: genmedia's \`addImages\` (zod validation and encoding of each input, one ` +
      `prepared single-row INSERT run per row), raw better-sqlite3 (one prepared single-row INSERT; and the same with ` +
      `genmedia's validation of each input, parseInput), drizzle-orm ` +
      `(500-row \`insert().values()\`). Each run on a file of its own, removed after it, and ` +
      `timed only once the system has written out what earlier runs left (\`sync\`). ` +
      `${ctx.sizes.ratioRounds} interleaved rounds (each ` +
      `contender once per round): the median rate, and each ratio taken within a round, its ` +
      `median and its worst round; the goals hold for the worst.`,
  )
  const images = benchImages(n)
  const runs: [string, () => Promise<number>][] = [
    ['raw better-sqlite3', () => rawSqlite(ctx, images)],
    ['raw better-sqlite3 + input validation', () => rawSqlite(ctx, images, true)],
    ['genmedia', () => genmediaSqlite(ctx, images)],
    ['drizzle-orm', () => drizzleSqlite(ctx, images)],
    ['raw better-sqlite3 without the summary triggers', () => rawSqlite(ctx, images, false, true)],
  ]
  const rounds = ctx.sizes.ratioRounds
  const results = await interleavedRounds(rounds, runs, (round) =>
    progress(`ingest: round ${round + 1} of ${rounds}, ${formatNumber(n)} rows each`),
  )
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
    `genmedia's time over raw: ${formatNumber((1 / genmedia - 1 / raw) * 1e6, 2)} µs per row, of ` +
      `which validating the input (parseInput, the "raw + input validation" line) is ` +
      `${formatNumber((1 / validated - 1 / raw) * 1e6, 2)} µs; the rest is the per-column ` +
      `encoders (JSON stringified, timestamps parsed and written in SQLite's text form, ` +
      `defaults filled) writing each row into the statement's parameters.`,
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
 * PostgreSQL ingest (figure 7): genmedia's addImages against node-postgres 500-row INSERTs, in
 * interleaved rounds; rows/s of each round.
 */
export async function ingestPostgres(ctx: BenchContext): Promise<Record<string, number[]>> {
  const n = ctx.sizes.pgIngestRows
  const images = benchImages(n)
  const genmedia = async () => {
    const location = pgLocation(ctx, `bench_ingest_${++fileCounter}`)
    const store = await openStore(aiArtistStore, { location })
    try {
      await checkpoint(ctx)
      return n / (await seconds(() => store.repo.addImages(images)))
    } finally {
      await store.close()
      await dropSchema(ctx, engineFor(location).location.schema!)
    }
  }
  const raw = async () => {
    const schema = `bench_ingest_${++fileCounter}`
    const store = await openStore(aiArtistStore, { location: pgLocation(ctx, schema) })
    await store.close()
    const client = new pg.Client({ connectionString: ctx.pgUrl })
    await client.connect()
    try {
      await client.query(`SET search_path TO ${schema}; SET TIME ZONE 'UTC'`)
      const columns = INGEST_COLUMNS.length
      const text = (count: number) =>
        `INSERT INTO generated_images (${INGEST_COLUMNS.join(', ')}) VALUES ` +
        Array.from(
          { length: count },
          (_, r) => `(${INGEST_COLUMNS.map((_c, c) => `$${r * columns + c + 1}`).join(', ')})`,
        ).join(', ')
      const full = text(500)
      await checkpoint(ctx)
      const s = await seconds(async () => {
        await client.query('BEGIN')
        for (let i = 0; i < n; i += 500) {
          const chunk = images.slice(i, i + 500)
          const values = chunk.flatMap((image) => {
            const row = rawValues(image)
            row[11] = Boolean(image.is_featured)
            row[13] = row[14] = sqliteText(image.created_at as Date)
            return row
          })
          await client.query(chunk.length === 500 ? full : text(chunk.length), values)
        }
        await client.query('COMMIT')
      })
      return n / s
    } finally {
      await client.end()
      await dropSchema(ctx, schema)
    }
  }
  const rounds = ctx.sizes.ratioRounds
  return interleavedRounds(
    rounds,
    [
      ['raw', raw],
      ['genmedia', genmedia],
    ],
    (round) => progress(`ingest on PostgreSQL: round ${round + 1} of ${rounds}`),
  )
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
