import { createHash } from 'node:crypto'
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import {
  dialectFor,
  openStore,
  seedStore,
  tableNamesOf,
  type StoreDefinition,
} from '../src/core/index.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { STORES } from '../src/stores/registry.js'
import { amplifyTable, type AmplifySpec } from './lib/amplify.js'
import { CACHE_DIR, pgLocation, type BenchContext } from './lib/context.js'
import { copyToPostgres } from './lib/pg-copy.js'
import { formatNumber, progress, seconds } from './lib/stats.js'

/** Bump when the way scale data is made changes: cached files of older versions are rebuilt. */
const SCALE_VERSION = 1

type Row = Record<string, unknown>

/** What the store is grown to: its largest table to `rows` rows, parents first where needed. */
interface ScalePlan {
  /** The table that reaches `rows`. */
  table: string
  steps(db: BetterSqlite3.Database, rows: number): AmplifySpec[]
}

/** ids of the rows that amplifyTable added (those after the sample data's last id). */
function addedRows(db: BetterSqlite3.Database, table: string, after: number, columns: string) {
  return db.prepare(`SELECT ${columns} FROM ${table} WHERE id > ? ORDER BY id`).all(after) as Row[]
}

function maxId(db: BetterSqlite3.Database, table: string): number {
  return (db.prepare(`SELECT COALESCE(MAX(id), 0) AS n FROM ${table}`).get() as { n: number }).n
}

const single =
  (table: string): ScalePlan['steps'] =>
  (_db, rows) => [{ table, rows }]

/**
 * PLANS: the million-row table of each store. Where copying sample rows as they are
 * would pile every row onto the few sample parents (and the sample arguments of the named
 * queries would then fetch hundreds of thousands of rows), parents are grown first and the
 * copies spread over them: image-gen images over 1 job in 4 (jobs over sessions), archive
 * operations over 1 session in 20.
 */
const PLANS: Record<string, ScalePlan> = {
  'ai-artist': { table: 'generated_images', steps: single('generated_images') },
  'video-batch': { table: 'videos', steps: single('videos') },
  trends: { table: 'trending_topics', steps: single('trending_topics') },
  metrics: { table: 'video_metrics', steps: single('video_metrics') },
  'image-library': { table: 'image_library', steps: single('image_library') },
  'image-gen': {
    table: 'generated_images',
    steps(db, rows): AmplifySpec[] {
      const sessionsAfter = maxId(db, 'sessions')
      const jobsAfter = maxId(db, 'generation_jobs')
      const sessionCount = Math.max(1, Math.round(rows / 200))
      const jobCount = Math.max(1, Math.round(rows / 4))
      let sessions: Row[] = []
      let jobs: Row[] = []
      return [
        { table: 'sessions', rows: sessionCount, set: { generated_count: () => 0 } },
        {
          table: 'generation_jobs',
          rows: jobCount,
          set: {
            session_id: (i) => {
              if (i === 0) sessions = addedRows(db, 'sessions', sessionsAfter, 'id, user_id')
              return sessions[i % sessions.length]!.id
            },
            user_id: (i) => sessions[i % sessions.length]!.user_id,
          },
        },
        {
          table: 'generated_images',
          rows,
          set: {
            generation_job_id: (i) => {
              if (i === 0) {
                jobs = addedRows(db, 'generation_jobs', jobsAfter, 'id, user_id, session_id')
              }
              return jobs[i % jobs.length]!.id
            },
            user_id: (i) => jobs[i % jobs.length]!.user_id,
            session_id: (i) => jobs[i % jobs.length]!.session_id,
            generation_index: (i) => Math.floor(i / jobs.length) + 1,
          },
        },
      ]
    },
  },
  archive: {
    table: 'operation_log',
    steps(db, rows): AmplifySpec[] {
      const after = maxId(db, 'processing_state')
      let sessions: Row[] = []
      return [
        { table: 'processing_state', rows: Math.max(1, Math.round(rows / 20)) },
        {
          table: 'operation_log',
          rows,
          set: {
            session_id: (i) => {
              if (i === 0) sessions = addedRows(db, 'processing_state', after, 'session_id')
              return sessions[i % sessions.length]!.session_id
            },
            sequence_number: (i) => Math.floor(i / sessions.length) + 1,
          },
        },
      ]
    },
  },
}

/** scaledStores: every registered store with a plan, in registry order. */
export function scaledStores(): StoreDefinition[] {
  return STORES.filter((s) => PLANS[s.name])
}

export function scaleTable(store: StoreDefinition): string | undefined {
  return PLANS[store.name]?.table
}

/** cacheKey changes whenever the store's schema, the row count or this file's method does. */
function cacheKey(store: StoreDefinition, rows: number): string {
  const d = dialectFor('sqlite')
  const schema = store.migrations.map((m) => [m.version, m.up(d)])
  return createHash('sha256')
    .update(JSON.stringify([SCALE_VERSION, store.name, rows, schema]))
    .digest('hex')
    .slice(0, 10)
}

/**
 * scaledSqliteFile returns a SQLite file of `store` with its sample data and its largest table
 * grown to `rows` rows (ANALYZEd), built once and cached under bench/.cache/ by a key of the
 * store's migrations and the row count. Older files of the same store are removed.
 */
export async function scaledSqliteFile(store: StoreDefinition, rows: number): Promise<string> {
  const plan = PLANS[store.name]
  if (!plan) throw new Error(`no scale plan for store ${store.name}`)
  const key = cacheKey(store, rows)
  const prefix = `scale-${store.name}-${rows}-`
  const file = join(CACHE_DIR, `${prefix}${key}.db`)
  if (existsSync(file)) return file
  for (const old of readdirSync(CACHE_DIR)) {
    if (old.startsWith(`scale-${store.name}-${rows}-`))
      rmSync(join(CACHE_DIR, old), { force: true })
  }
  const building = join(CACHE_DIR, `building-${store.name}-${process.pid}.db`)
  for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true })
  const s = await seconds(async () => {
    const open = await openStore(store, { location: building })
    await seedStore(open)
    await open.close()
    const db = openSqliteFile(building)
    try {
      for (const spec of plan.steps(db, rows)) amplifyTable(db, spec)
      db.exec('ANALYZE')
      db.pragma('optimize')
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
  })
  progress(
    `scale data: ${store.name} ${plan.table} at ${formatNumber(rows)} rows built in ${s.toFixed(1)} s`,
  )
  renameSync(building, file)
  return file
}

/**
 * scaledPostgres returns a location on the bench database holding the same rows as the cached
 * SQLite file, in schema `scale_<store>_<key>`: reused when a previous run completed it, else
 * (re)built by copying the SQLite file.
 */
export async function scaledPostgres(
  ctx: BenchContext,
  store: StoreDefinition,
  rows: number,
): Promise<string> {
  const key = cacheKey(store, rows)
  const base = `scale_${store.name.replace(/-/g, '_')}_${rows}_`
  const schema = `${base}${key}`
  const client = new pg.Client({ connectionString: ctx.pgUrl })
  await client.connect()
  try {
    const { rows: done } = await client.query(
      `SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'bench_complete'`,
      [schema],
    )
    if (done.length > 0) return pgLocation(ctx, schema)
    const { rows: stale } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
      [`${base}%`],
    )
    for (const s of stale) await client.query(`DROP SCHEMA "${s.nspname}" CASCADE`)
  } finally {
    await client.end()
  }
  const file = await scaledSqliteFile(store, rows)
  const location = pgLocation(ctx, schema)
  const s = await seconds(async () => {
    const open = await openStore(store, { location })
    await open.close()
    await copyToPostgres(file, ctx.pgUrl!, schema, tableNamesOf(store))
  })
  const marker = new pg.Client({ connectionString: ctx.pgUrl })
  await marker.connect()
  await marker.query(`CREATE TABLE "${schema}".bench_complete (done integer)`)
  await marker.end()
  progress(`scale data: ${store.name} copied to PostgreSQL in ${s.toFixed(1)} s`)
  return location
}
