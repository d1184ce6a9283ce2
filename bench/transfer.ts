import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { tableNamesOf } from '../src/core/index.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import { pgLocation, type BenchContext } from './lib/context.js'
import { copyToPostgres } from './lib/pg-copy.js'
import { newFigure, type Figure } from './lib/report.js'
import { scaledSqliteFile, scaleTable } from './scale-data.js'
import { formatNumber, progress, seconds } from './lib/stats.js'

const CHILD = fileURLToPath(new URL('./transfer-child.mjs', import.meta.url))
const REPO = fileURLToPath(new URL('..', import.meta.url))

interface Measured {
  rows: number
  seconds: number
  peakRssMb: number
}

/** measure runs one operation in a child process and returns its rows, time and peak RSS. */
function measure(args: string[]): Measured {
  const out = execFileSync(process.execPath, [CHILD, ...args], {
    env: { ...process.env, NODE_OPTIONS: '' },
    maxBuffer: 1 << 20,
  })
  return JSON.parse(out.toString().trim().split('\n').at(-1)!) as Measured
}

const row = (label: string, m: Measured) => [
  label,
  formatNumber(m.rows),
  m.seconds.toFixed(1),
  formatNumber(m.rows / m.seconds),
  m.peakRssMb.toFixed(0),
]

async function dropSchema(ctx: BenchContext, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: ctx.pgUrl })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
}

/**
 * Figure 10: `genmedia copy` of the ai-artist store with its largest table at the scale size,
 * SQLite → PostgreSQL and back, and `genmedia export` of that table to NDJSON, each in a child
 * process whose peak RSS is reported. Beside them: PostgreSQL's COPY of the same rows (the
 * bench's own loader) and raw better-sqlite3 iterate + JSON.stringify.
 */
export async function transferFigure(ctx: BenchContext): Promise<Figure> {
  const rows = ctx.sizes.scaleRows
  const table = scaleTable(aiArtistStore)!
  const figure = newFigure(
    '10',
    'Copy between engines and export',
    `\`genmedia copy ai-artist\` (\`copyStore\`) with ${table} at ${formatNumber(rows)} rows: ` +
      'SQLite → PostgreSQL and PostgreSQL → SQLite (one snapshot, one transaction, triggers, ' +
      'plain indexes and foreign keys set aside while loading; every row decoded once, its export ' +
      'line checksummed and its values encoded; the target’s lines made by its database and ' +
      'checksummed before commit), ' +
      `and \`genmedia export ai-artist ${table}\` to NDJSON from SQLite (key order, streamed; ` +
      'each line made in SQL, pages of lines read as bytes). ' +
      'Each runs once in a child process from the compiled package (dist/, built first), as the ' +
      'CLI runs; rows/s counts every table; peak RSS is the child’s. Beside them: the bench’s own ' +
      'loader into PostgreSQL (unnest batches, triggers and foreign keys off, no checks), and raw ' +
      'better-sqlite3 iterate + JSON.stringify.',
  )
  const file = await scaledSqliteFile(aiArtistStore, rows)
  progress('transfer: building dist/ (the children run the compiled package)')
  execFileSync(
    process.execPath,
    [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: REPO,
      stdio: 'inherit',
    },
  )
  const results: string[][] = []
  const goals = figure.goals
  if (ctx.pgUrl) {
    const schema = `bench_copy_${process.pid}`
    const pgTarget = pgLocation(ctx, schema)
    try {
      progress(`transfer: copy SQLite → PostgreSQL, ${formatNumber(rows)} rows`)
      const toPg = measure(['copy', file, pgTarget])
      progress(`transfer: copy PostgreSQL → SQLite`)
      const back = measure(['copy', pgTarget, join(ctx.workDir, 'copy-back.db')])
      const floorSchema = `${schema}_floor`
      let floorSeconds = 0
      try {
        const { openStore } = await import('../src/core/index.js')
        const empty = await openStore(aiArtistStore, { location: pgLocation(ctx, floorSchema) })
        await empty.close()
        floorSeconds = await seconds(() =>
          copyToPostgres(file, ctx.pgUrl!, floorSchema, tableNamesOf(aiArtistStore)),
        )
      } finally {
        await dropSchema(ctx, floorSchema)
      }
      results.push(row('copy SQLite → PostgreSQL', toPg))
      results.push([
        'bench loader into PostgreSQL, no checks (floor)',
        formatNumber(toPg.rows),
        floorSeconds.toFixed(1),
        formatNumber(toPg.rows / floorSeconds),
        '—',
      ])
      results.push(row('copy PostgreSQL → SQLite', back))
      goals.push({
        text: 'copy SQLite → PostgreSQL at ≥ 50,000 rows/s',
        met: ctx.quick ? null : toPg.rows / toPg.seconds >= 50_000,
        detail: `${formatNumber(toPg.rows / toPg.seconds)} rows/s, peak RSS ${toPg.peakRssMb.toFixed(0)} MB`,
      })
      goals.push({
        text: 'copy PostgreSQL → SQLite at ≥ 100,000 rows/s',
        met: ctx.quick ? null : back.rows / back.seconds >= 100_000,
        detail: `${formatNumber(back.rows / back.seconds)} rows/s, peak RSS ${back.peakRssMb.toFixed(0)} MB`,
      })
    } finally {
      await dropSchema(ctx, schema)
    }
  } else figure.notes.push(`Copies skipped: ${ctx.pgSkipReason}.`)
  progress(`transfer: export ${table} to NDJSON`)
  const exported = measure(['export', file, table])
  const raw = measure(['raw-export', file, table])
  results.push(row(`export ${table} → NDJSON`, exported))
  results.push(row('raw better-sqlite3 iterate + JSON.stringify (floor)', raw))
  goals.push({
    text: 'export to NDJSON at ≥ 200,000 rows/s with peak RSS < 200 MB',
    met: ctx.quick ? null : exported.rows / exported.seconds >= 200_000 && exported.peakRssMb < 200,
    detail: `${formatNumber(exported.rows / exported.seconds)} rows/s, peak RSS ${exported.peakRssMb.toFixed(0)} MB`,
  })
  const idle = measure(['idle'])
  results.push([
    'genmedia loaded, nothing done (every child’s start)',
    '0',
    '—',
    '—',
    idle.peakRssMb.toFixed(0),
  ])
  figure.tables.push({ head: ['', 'rows', 'seconds', 'rows/s', 'peak RSS MB'], rows: results })
  return figure
}
