import type { Env } from './config.js'
import { Database } from './database.js'
import type { EngineName } from './dialect.js'
import { engineFor } from './engines/index.js'
import { existingStoreLocation, type StoreDefinition } from './store.js'

/** DatabaseSizes: the SQLite file and its WAL, or the schema's relations on PostgreSQL (wal null). */
export interface DatabaseSizes {
  databaseBytes: number
  walBytes: number | null
}

/** measureSizes reads a store database's size on disk. */
export async function measureSizes(db: Database): Promise<DatabaseSizes> {
  return db.engineImpl.maintenance.measureSizes(db)
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

/**
 * maintainStore runs the seeds' maintenance on one store: REINDEX, VACUUM, ANALYZE, a WAL
 * checkpoint (TRUNCATE) and `PRAGMA optimize` on SQLite; REINDEX SCHEMA and VACUUM (ANALYZE) of
 * the schema's tables on PostgreSQL. Returns sizes before and after. Throws NotFoundError when
 * the store has no database. VACUUM needs free disk space about the size of the database.
 */
export async function maintainStore(
  definition: StoreDefinition,
  options: StoreMaintenanceOptions = {},
): Promise<StoreMaintenanceReport> {
  const location = await existingStoreLocation(definition, options)
  const tasks = new Set(options.tasks?.length ? options.tasks : STORE_MAINTENANCE_TASKS)
  const writable = await Database.open(location, { schema: definition.schema, poolSize: 1 })
  try {
    const engine = writable.engineImpl.maintenance
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
      location: engineFor(location).location.origin,
      steps,
      before,
      after: await measureSizes(writable),
    }
  } finally {
    await writable.close()
  }
}
