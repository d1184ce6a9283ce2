import { storeLocationFrom, type Env } from './config.js'
import { Database } from './database.js'
import type { EngineName } from './dialect.js'
import { engineFor, type Engine, type EngineAt } from './engines/index.js'
import { keyFromBucketPath, openBlobStore, type BlobStore } from '../storage/index.js'
import type { BlobReference } from './backup/engine.js'
import { SchemaVersionError } from './errors.js'
import { inspectSchema, type SchemaSnapshot } from './inspect.js'
import { measureSizes, type DatabaseSizes } from './maintenance.js'
import { Migrator } from './migrator.js'
import { openStore, tableNamesOf, type OpenStore, type StoreDefinition } from './store.js'

/** A table with at least this many rows is large: a lookup or list must not scan it whole. */
export const DEFAULT_SCAN_THRESHOLD = 10_000

export type CheckStatus = 'ok' | 'warning' | 'error'

export interface DoctorCheck {
  name: string
  status: CheckStatus
  message: string
}

/** StatementPlan is one statement a named query sent, with its plan. */
export interface StatementPlan {
  sql: string
  /** EXPLAIN QUERY PLAN details (SQLite) or plan nodes (PostgreSQL), one line each. */
  plan: string[]
  /** Large tables the statement reads whole. */
  fullScans: string[]
}

export interface QueryReport {
  name: string
  kind: 'lookup' | 'list' | 'aggregate'
  status: CheckStatus
  statements: StatementPlan[]
  message?: string
}

/** DoctorReport is everything doctor found about one store; `ok` is false when a check is an error. */
export interface DoctorReport {
  store: string
  engine: EngineName | null
  location: string
  ok: boolean
  schemaVersion: number | null
  latestVersion: number
  /** The SQLite file and its WAL, or the schema's relations on PostgreSQL (wal null). */
  sizes: DatabaseSizes
  rowCounts: Record<string, number>
  indexes: { name: string; table: string; columns: string[] }[]
  checks: DoctorCheck[]
  queries: QueryReport[]
}

export interface DoctorOptions {
  location?: string
  env?: Env
  cwd?: string
  /** Rows from which a table counts as large (default DEFAULT_SCAN_THRESHOLD). */
  scanThreshold?: number
  /** The blob store of a store with blobs; default: GENMEDIA_STORAGE_URL of `env`. */
  blobs?: BlobStore
}

/**
 * diagnoseStore checks one store without changing it: integrity and foreign keys, schema drift
 * against what its migrations define, sizes, row counts and indexes, and the plan of every named
 * query, flagging lookups and lists that read a large table whole. Never throws for what it
 * finds; every finding is a check in the report.
 */
export async function diagnoseStore(
  definition: StoreDefinition,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const location = storeLocationFrom(definition, options)
  const at = engineFor(location)
  const report: DoctorReport = {
    store: definition.name,
    engine: null,
    location: at.location.origin,
    ok: false,
    schemaVersion: null,
    latestVersion: definition.migrations.length,
    sizes: { databaseBytes: 0, walBytes: null },
    rowCounts: {},
    indexes: [],
    checks: [],
    queries: [],
  }
  const fail = (name: string, message: string) =>
    report.checks.push({ name, status: 'error', message })
  if (!(await Database.exists(location, definition.schema))) {
    fail('database', `no database at ${report.location}; run genmedia init ${definition.name}`)
    return report
  }
  let store: OpenStore
  let expected: SchemaSnapshot
  const open = () => openStore(definition, { location, readOnly: true })
  try {
    // The expected schema is built first, in a scratch database, and the store opened again
    // after: an in-process PostgreSQL (PGlite) shares one session, search_path included, among
    // all connections, so the scratch schema must be gone before the store's connections start.
    store = await open()
    const version = await store.migrator.currentVersion()
    await store.close()
    expected = await expectedSchema(definition, at, version)
    store = await open()
  } catch (error) {
    fail(
      error instanceof SchemaVersionError ? 'schema version' : 'database',
      (error as Error).message,
    )
    return report
  }
  try {
    const { db } = store
    const engine = db.engineImpl
    report.engine = db.engine
    const version = await store.migrator.currentVersion()
    report.schemaVersion = version
    report.checks.push(
      version < report.latestVersion
        ? {
            name: 'schema version',
            status: 'warning',
            message: `at version ${version} of ${report.latestVersion}; run genmedia migrate up ${definition.name}`,
          }
        : { name: 'schema version', status: 'ok', message: `version ${version}` },
    )
    report.checks.push(...(await engine.doctor.integrity(db)))
    const actual = await inspectSchema(db)
    report.checks.push(checkDrift(expected, actual))
    report.indexes = actual.indexes.map((i) => ({
      name: i.name,
      table: i.table,
      columns: i.columns,
    }))
    const counts = new Map<string, number>()
    const countRows = async (table: string): Promise<number> => {
      if (!counts.has(table)) {
        const [row] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`)
        counts.set(table, Number(row?.n ?? 0))
      }
      return counts.get(table)!
    }
    if (version > 0)
      for (const table of tableNamesOf(definition)) report.rowCounts[table] = await countRows(table)
    report.sizes = await measureSizes(db)
    if (version > 0 && definition.blobs) {
      const blobs = options.blobs ?? openBlobStore(undefined, options.env, options.cwd)
      try {
        report.checks.push(await checkBlobs(db, definition, blobs))
      } finally {
        if (!options.blobs) await blobs.close()
      }
    }
    if (version > 0) {
      const threshold = options.scanThreshold ?? DEFAULT_SCAN_THRESHOLD
      const tables = new Set(actual.tables.map((t) => t.name))
      for (const query of definition.namedQueries) {
        report.queries.push(await explainQuery(store, query, engine, tables, countRows, threshold))
      }
      const scanning = report.queries.filter((q) => q.status === 'error')
      report.checks.push(
        scanning.length > 0
          ? {
              name: 'query plans',
              status: 'error',
              message: `${scanning.map((q) => `${q.name} scans ${[...new Set(q.statements.flatMap((s) => s.fullScans))].join(', ')}`).join('; ')} (tables of ${threshold}+ rows)`,
            }
          : {
              name: 'query plans',
              status: 'ok',
              message: `${report.queries.length} named queries use indexes on large tables`,
            },
      )
    }
  } finally {
    await store.close()
  }
  report.ok = report.checks.every((c) => c.status !== 'error')
  return report
}

/** How many problems of one kind a check's message names before it only counts them. */
const NAMED = 5

function sample(items: readonly string[]): string {
  return `${items.slice(0, NAMED).join('; ')}${items.length > NAMED ? `; … ${items.length - NAMED} more` : ''}`
}

/**
 * checkBlobs holds a store's rows against its blob store: every object a row refers to must
 * exist, with the size the row records (error otherwise); objects under the store's prefixes
 * that no row refers to are orphans (a warning, naming the command that removes them).
 */
export async function checkBlobs(
  db: Database,
  definition: StoreDefinition,
  blobs: BlobStore,
): Promise<DoctorCheck> {
  const spec = definition.blobs!
  const problems: string[] = []
  const referenced = new Set<string>()
  let rows: BlobReference[]
  try {
    rows = await db.query<BlobReference>(spec.references)
    for (const row of rows) {
      const at = `${row.source} ${row.id}`
      let key: string
      try {
        key = keyFromBucketPath(blobs.bucket, row.path)
      } catch (error) {
        problems.push(`${at}: ${(error as Error).message}`)
        continue
      }
      referenced.add(key)
      const info = await blobs.head(key)
      if (!info) problems.push(`${at}: object ${key} is missing`)
      else if (row.size !== null && Number(row.size) !== info.size) {
        problems.push(`${at}: object ${key} is ${info.size} bytes, the row records ${row.size}`)
      }
    }
    const orphans: string[] = []
    for (const prefix of spec.prefixes) {
      for (const key of await blobs.list(prefix)) if (!referenced.has(key)) orphans.push(key)
    }
    const orphanText =
      orphans.length > 0
        ? `${orphans.length} object(s) no row refers to (${sample(orphans)})${spec.sweep ? `; genmedia ${definition.name} ${spec.sweep} removes them` : ''}`
        : ''
    if (problems.length > 0) {
      return {
        name: 'blobs',
        status: 'error',
        message: `${problems.length} of ${rows.length} rows refer to a missing or different object: ${sample(problems)}${orphanText ? `; ${orphanText}` : ''}`,
      }
    }
    if (orphans.length > 0) return { name: 'blobs', status: 'warning', message: orphanText }
    return {
      name: 'blobs',
      status: 'ok',
      message: `${rows.length} rows' objects present with their recorded sizes in bucket ${blobs.bucket}`,
    }
  } catch (error) {
    return {
      name: 'blobs',
      status: 'error',
      message: `could not check the blob store: ${(error as Error).message}`,
    }
  }
}

const DATA_STATEMENT = /^\s*(select|with|insert|update|delete)\b/i

async function explainQuery(
  store: OpenStore,
  query: StoreDefinition['namedQueries'][number],
  engine: Engine,
  tables: Set<string>,
  countRows: (table: string) => Promise<number>,
  threshold: number,
): Promise<QueryReport> {
  const report: QueryReport = { name: query.name, kind: query.kind, status: 'ok', statements: [] }
  // A named query that writes fails on the read-only database, but its SQL is captured first.
  let failure: unknown
  const { queries } = await store.db.captureQueries(() =>
    Promise.resolve(query.run(store.repo)).catch((error: unknown) => {
      failure = error
    }),
  )
  for (const statement of queries.filter((q) => DATA_STATEMENT.test(q.sql))) {
    const { plan, scanned } = await engine.doctor.explain(store.db, statement)
    const fullScans: string[] = []
    for (const table of new Set(scanned)) {
      if (tables.has(table) && (await countRows(table)) >= threshold) fullScans.push(table)
    }
    report.statements.push({ sql: statement.sql, plan, fullScans })
  }
  if (query.kind !== 'aggregate' && report.statements.some((s) => s.fullScans.length > 0)) {
    report.status = 'error'
  }
  if (report.statements.length === 0 && failure) {
    report.status = 'warning'
    report.message = `sent no statement: ${(failure as Error).message}`
  }
  return report
}

function checkDrift(expected: SchemaSnapshot, actual: SchemaSnapshot): DoctorCheck {
  const names = (s: SchemaSnapshot) =>
    new Map<string, string>([
      ...s.tables.map((t) => [`table ${t.name}`, t.name] as const),
      ...s.tables.flatMap((t) =>
        t.columns.map((c) => [`column ${t.name}.${c.name}`, t.name] as const),
      ),
      ...s.indexes.map((i) => [`index ${i.name}`, i.table] as const),
      ...s.triggers.map((t) => [`trigger ${t.name}`, t.table] as const),
      ...s.views.map((v) => [`view ${v}`, v] as const),
    ])
  const want = names(expected)
  const have = names(actual)
  const missing = [...want.keys()].filter((k) => !have.has(k))
  const extra = [...have.keys()].filter((k) => !want.has(k))
  if (missing.length > 0) {
    return {
      name: 'schema drift',
      status: 'error',
      message: `missing ${missing.join(', ')}${extra.length ? `; not defined by migrations: ${extra.join(', ')}` : ''}`,
    }
  }
  if (extra.length > 0) {
    return {
      name: 'schema drift',
      status: 'warning',
      message: `not defined by migrations: ${extra.join(', ')}`,
    }
  }
  return {
    name: 'schema drift',
    status: 'ok',
    message: `${want.size} tables, columns, indexes, triggers and views as migrations define`,
  }
}

/**
 * expectedSchema migrates a scratch database (in-memory SQLite, or a temporary schema beside the
 * store's on PostgreSQL, dropped afterwards) to `version` and reads its schema.
 */
async function expectedSchema(
  definition: StoreDefinition,
  at: EngineAt,
  version: number,
): Promise<SchemaSnapshot> {
  const scratch = at.engine.doctor.scratch(at.location, definition.schema)
  const db = await Database.open(scratch.location, { schema: scratch.schema, poolSize: 1 })
  try {
    await new Migrator(db, definition.migrations, `genmedia:doctor:${scratch.schema}`).migrateTo(
      version,
    )
    return await inspectSchema(db)
  } finally {
    await db.close()
    await scratch.dispose()
  }
}
