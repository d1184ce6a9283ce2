import { randomBytes } from 'node:crypto'
import { resolveStoreLocation, type Env } from './config.js'
import { Database, isPostgresUrl, type CapturedQuery } from './database.js'
import type { EngineName } from './dialect.js'
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
}

/**
 * diagnoseStore checks one store without changing it: integrity and foreign keys, schema drift
 * against what its migrations define, sizes, row counts and indexes, and the plan of every named
 * query, flagging lookups and lists that read a large table whole. Never throws for what it
 * finds; every finding is a check in the report.
 */
export async function diagnoseStore(
  definition: StoreDefinition<any>,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const location =
    options.location ?? resolveStoreLocation(definition, options.env, options.cwd).location
  const report: DoctorReport = {
    store: definition.name,
    engine: null,
    location: isPostgresUrl(location) ? new URL(location).origin : location,
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
  let store: OpenStore<any>
  let expected: SchemaSnapshot
  const open = () => openStore(definition, { location, readOnly: true })
  try {
    // The expected schema is built first, in a scratch database, and the store opened again
    // after: an in-process PostgreSQL (PGlite) shares one session, search_path included, among
    // all connections, so the scratch schema must be gone before the store's connections start.
    store = await open()
    const version = await store.migrator.currentVersion()
    await store.close()
    expected = await expectedSchema(definition, location, store.db.engine, version)
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
    const engine = DOCTOR_ENGINES[db.engine]
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
    report.checks.push(...(await engine.integrity(db)))
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

const DATA_STATEMENT = /^\s*(select|with|insert|update|delete)\b/i

async function explainQuery(
  store: OpenStore<any>,
  query: StoreDefinition<any>['namedQueries'][number],
  engine: DoctorEngine,
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
    const { plan, scanned } = await engine.explain(store.db, statement)
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
  definition: StoreDefinition<any>,
  location: string,
  engine: EngineName,
  version: number,
): Promise<SchemaSnapshot> {
  let scratchLocation = ':memory:'
  let scratchSchema = definition.schema
  if (engine === 'postgres') {
    const url = new URL(location)
    url.searchParams.delete('options')
    scratchSchema = `genmedia_doctor_${randomBytes(4).toString('hex')}`
    url.searchParams.set('schema', scratchSchema)
    scratchLocation = url.toString()
  }
  const scratch = await Database.open(scratchLocation, { schema: scratchSchema, poolSize: 1 })
  try {
    await new Migrator(
      scratch,
      definition.migrations,
      `genmedia:doctor:${scratchSchema}`,
    ).migrateTo(version)
    return await inspectSchema(scratch)
  } finally {
    await scratch.close()
    if (engine === 'postgres') await Database.drop(scratchLocation, scratchSchema)
  }
}

/** DoctorEngine holds the checks that differ between SQLite and PostgreSQL. */
interface DoctorEngine {
  integrity(db: Database): Promise<DoctorCheck[]>
  /** explain returns a statement's plan and the tables it reads whole. */
  explain(db: Database, statement: CapturedQuery): Promise<{ plan: string[]; scanned: string[] }>
}

/**
 * A statement without WHERE that stops at LIMIT and needs no full sort reads only LIMIT rows,
 * even where its plan walks a table or index from one end.
 */
function isBoundedScan(sql: string, sorts: boolean): boolean {
  return !/\bwhere\b/i.test(sql) && /\blimit\b/i.test(sql) && !sorts
}

const DOCTOR_ENGINES: Record<EngineName, DoctorEngine> = {
  sqlite: {
    async integrity(db) {
      const integrity = (await db.query<{ integrity_check: string }>('PRAGMA integrity_check')).map(
        (r) => r.integrity_check,
      )
      const keys = await db.query<{ table: string; parent: string }>('PRAGMA foreign_key_check')
      return [
        integrity.length === 1 && integrity[0] === 'ok'
          ? { name: 'integrity', status: 'ok', message: 'integrity_check ok' }
          : { name: 'integrity', status: 'error', message: integrity.slice(0, 5).join('; ') },
        keys.length === 0
          ? { name: 'foreign keys', status: 'ok', message: 'foreign_key_check ok' }
          : {
              name: 'foreign keys',
              status: 'error',
              message: `${keys.length} rows point to missing parents: ${[...new Set(keys.map((k) => `${k.table} → ${k.parent}`))].join(', ')}`,
            },
      ]
    },
    async explain(db, statement) {
      const rows = await db.query<{ detail: string }>(
        `EXPLAIN QUERY PLAN ${statement.sql}`,
        statement.parameters,
      )
      const plan = rows.map((r) => r.detail)
      // `USE TEMP B-TREE FOR LAST TERM OF ORDER BY` only orders ties; FOR ORDER BY sorts all.
      const sorts = plan.some((d) => /TEMP B-TREE FOR ORDER BY/.test(d))
      // SCAN reads a whole table, or walks a whole index in order (USING INDEX) filtering rows;
      // SEARCH uses an index to find rows.
      const scanned = isBoundedScan(statement.sql, sorts)
        ? []
        : plan.flatMap((d) => /^SCAN (\w+)\b/.exec(d)?.[1] ?? [])
      return { plan, scanned }
    },
  },
  postgres: {
    async integrity(db) {
      const invalid = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT i.indisvalid`,
        [db.schema],
      )
      const unvalidated = await db.query<{ name: string }>(
        `SELECT con.conname AS name FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
         WHERE n.nspname = $1 AND con.contype = 'f' AND NOT con.convalidated`,
        [db.schema],
      )
      return [
        invalid.length === 0
          ? { name: 'integrity', status: 'ok', message: 'every index valid' }
          : {
              name: 'integrity',
              status: 'error',
              message: `invalid indexes: ${invalid.map((r) => r.name).join(', ')}; REINDEX them`,
            },
        unvalidated.length === 0
          ? { name: 'foreign keys', status: 'ok', message: 'every foreign key validated' }
          : {
              name: 'foreign keys',
              status: 'error',
              message: `not validated: ${unvalidated.map((r) => r.name).join(', ')}`,
            },
      ]
    },
    async explain(db, statement) {
      // With sequential scans priced out, the planner still uses one only where no index can
      // serve the query: the plan then shows what the index set allows, not what a small table
      // makes cheapest.
      const rows = await db.transaction(async (trx) => {
        await db.query('SET LOCAL enable_seqscan = off', [], trx)
        return db.query<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (FORMAT JSON) ${statement.sql}`,
          statement.parameters,
          trx,
        )
      })
      const raw = rows[0]?.['QUERY PLAN']
      const root = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PgPlanNode }[]
      const nodes: PgPlanNode[] = []
      const walk = (node: PgPlanNode) => {
        nodes.push(node)
        node.Plans?.forEach(walk)
      }
      walk(root[0]!.Plan)
      const plan = nodes.map(
        (n) =>
          `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}${n['Index Cond'] ? ` (${n['Index Cond']})` : ''}${n.Filter ? ` filter ${n.Filter}` : ''}`,
      )
      const sorts = nodes.some((n) => n['Node Type'] === 'Sort')
      const scanned = isBoundedScan(statement.sql, sorts)
        ? []
        : nodes.flatMap((n) => {
            const whole =
              n['Node Type'] === 'Seq Scan' ||
              (/Index( Only)? Scan/.test(n['Node Type']) && !n['Index Cond'] && Boolean(n.Filter))
            return whole && n['Relation Name'] ? [n['Relation Name']] : []
          })
      return { plan, scanned }
    },
  },
}

interface PgPlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Filter?: string
  Plans?: PgPlanNode[]
}
