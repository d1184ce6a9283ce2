import { stat } from 'node:fs/promises'
import { sqliteFilePath } from './backup/sqlite-backup.js'
import { resolveStoreLocation, type Env } from './config.js'
import { Database, isPostgresUrl } from './database.js'
import type { EngineName } from './dialect.js'
import { NotFoundError } from './errors.js'
import { quoteIdentifier } from './postgres-engine.js'
import type { StoreDefinition } from './store.js'

/** DatabaseSizes: the SQLite file and its WAL, or the schema's relations on PostgreSQL (wal null). */
export interface DatabaseSizes {
  databaseBytes: number
  walBytes: number | null
}

/** measureSizes reads a store database's size on disk. */
export async function measureSizes(db: Database): Promise<DatabaseSizes> {
  if (!db.sqliteHandle) return { databaseBytes: await db.sizeBytes(), walBytes: null }
  const file = sqliteFilePath(db.location)
  const size = (path: string) =>
    stat(path).then(
      (s) => s.size,
      () => 0,
    )
  return { databaseBytes: await size(file), walBytes: await size(`${file}-wal`) }
}

export type StoreMaintenanceTask = 'reindex' | 'vacuum' | 'analyze' | 'checkpoint'

/** The order tasks run in: rebuilt indexes are then compacted and measured. */
export const STORE_MAINTENANCE_TASKS: readonly StoreMaintenanceTask[] = [
  'reindex',
  'vacuum',
  'analyze',
  'checkpoint',
]

export interface StoreMaintenanceOptions {
  location?: string
  env?: Env
  cwd?: string
  /** The tasks to run; default all of them. */
  tasks?: readonly StoreMaintenanceTask[]
}

export interface StoreMaintenanceStep {
  task: StoreMaintenanceTask | 'optimize'
  /** The statements run, or why the task does not apply on this engine. */
  detail: string
}

export interface StoreMaintenanceReport {
  store: string
  engine: EngineName
  location: string
  steps: StoreMaintenanceStep[]
  before: DatabaseSizes
  after: DatabaseSizes
}

interface StoreMaintenanceEngine {
  run(
    db: Database,
    task: StoreMaintenanceTask,
    tasks: ReadonlySet<StoreMaintenanceTask>,
  ): Promise<string>
  /** Runs after the tasks; returns its statement or undefined. */
  finish(db: Database): Promise<string | undefined>
}

const MAINTENANCE_ENGINES: Record<EngineName, StoreMaintenanceEngine> = {
  sqlite: {
    async run(db, task) {
      switch (task) {
        case 'reindex':
          await db.query('REINDEX')
          return 'REINDEX'
        case 'vacuum':
          await db.query('VACUUM')
          return 'VACUUM'
        case 'analyze':
          await db.query('ANALYZE')
          return 'ANALYZE'
        case 'checkpoint': {
          const [row] = await db.query<{ busy: number; log: number; checkpointed: number }>(
            'PRAGMA wal_checkpoint(TRUNCATE)',
          )
          return `PRAGMA wal_checkpoint(TRUNCATE): ${row?.busy ? 'busy, partly done' : `${row?.checkpointed ?? 0} pages`}`
        }
      }
    },
    async finish(db) {
      // SQLite's advice for long-lived databases: refresh the statistics that went stale.
      await db.query('PRAGMA optimize')
      return 'PRAGMA optimize'
    },
  },
  postgres: {
    async run(db, task, tasks) {
      const schema = quoteIdentifier(db.schema!)
      const tables = (
        await db.query<{ name: string }>(
          'SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1',
          [db.schema],
        )
      ).map((t) => `${schema}.${quoteIdentifier(t.name)}`)
      switch (task) {
        case 'reindex':
          await db.query(`REINDEX SCHEMA ${schema}`)
          return `REINDEX SCHEMA ${schema}`
        case 'vacuum': {
          // VACUUM cannot run inside a transaction: each runs on its own in autocommit.
          const statement = tasks.has('analyze') ? 'VACUUM (ANALYZE)' : 'VACUUM'
          for (const table of tables) await db.query(`${statement} ${table}`)
          return `${statement} of ${tables.length} tables`
        }
        case 'analyze':
          if (tasks.has('vacuum')) return 'done by VACUUM (ANALYZE)'
          for (const table of tables) await db.query(`ANALYZE ${table}`)
          return `ANALYZE of ${tables.length} tables`
        case 'checkpoint':
          return 'not applicable: the PostgreSQL server checkpoints its own WAL'
      }
    },
    async finish() {
      return undefined
    },
  },
}

/**
 * maintainStore runs the seeds' maintenance on one store: REINDEX, VACUUM, ANALYZE, a WAL
 * checkpoint (TRUNCATE) and `PRAGMA optimize` on SQLite; REINDEX SCHEMA and VACUUM (ANALYZE) of
 * the schema's tables on PostgreSQL. Returns sizes before and after. Throws NotFoundError when
 * the store has no database. VACUUM needs free disk space about the size of the database.
 */
export async function maintainStore(
  definition: StoreDefinition<any>,
  options: StoreMaintenanceOptions = {},
): Promise<StoreMaintenanceReport> {
  const location =
    options.location ?? resolveStoreLocation(definition, options.env, options.cwd).location
  if (!(await Database.exists(location, definition.schema))) {
    throw new NotFoundError(
      `${definition.name} has no database at ${location}; run genmedia init ${definition.name}`,
    )
  }
  const tasks = new Set(options.tasks?.length ? options.tasks : STORE_MAINTENANCE_TASKS)
  const writable = await Database.open(location, { schema: definition.schema, poolSize: 1 })
  try {
    const engine = MAINTENANCE_ENGINES[writable.engine]
    const before = await measureSizes(writable)
    const steps: StoreMaintenanceStep[] = []
    for (const task of STORE_MAINTENANCE_TASKS) {
      if (tasks.has(task)) steps.push({ task, detail: await engine.run(writable, task, tasks) })
    }
    const finished = await engine.finish(writable)
    if (finished) steps.push({ task: 'optimize', detail: finished })
    return {
      store: definition.name,
      engine: writable.engine,
      location: isPostgresUrl(location) ? new URL(location).origin : writable.location,
      steps,
      before,
      after: await measureSizes(writable),
    }
  } finally {
    await writable.close()
  }
}
