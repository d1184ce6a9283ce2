import { Database } from '../database.js'
import { engineFor } from '../engines/index.js'
import { inspectSchema, type ColumnInfo, type SchemaSnapshot, type TableInfo } from '../inspect.js'
import { MIGRATION_TABLE, Migrator } from '../migrator.js'
import { tableNamesOf, type StoreDefinition } from '../store.js'
import type { EngineAdoption } from './engine.js'

/** SeedShape is which of its seed's shapes a store recognises in a database. */
export interface SeedShape {
  /** For people: `Alembic revision 002`, `db_version 2.0`. */
  shape: string
  /** The genmedia migration version that shape corresponds to, where the seed names one. */
  version?: number
  /** Why the database is not that shape after all (its own version marker contradicts it). */
  problems?: string[]
}

/** AdoptionReader lets a store read a database it is asked to recognise, changing nothing. */
export interface AdoptionReader {
  tables: readonly TableInfo[]
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>
}

/** StoreAdoption is a store's knowledge of the databases its seed's own scripts make. */
export interface StoreAdoption {
  recognise(reader: AdoptionReader): Promise<SeedShape>
}

/** TablePlan is what adopt found and will do for one of the store's tables. */
export interface TablePlan {
  table: string
  rows: number
  /** Present in the database (false: genmedia creates it, empty). */
  present: boolean
  /** The columns it has now, which the checksums cover. */
  columns: string[]
  /** Columns genmedia does not know, kept as they are. */
  kept: string[]
  /** Those columns as the database declares them. */
  keptColumns: ColumnInfo[]
  /** The column that identifies a row in reports (its primary key; SQLite's rowid without one). */
  key: string
  /** Columns genmedia adds (from its migrations). */
  added: string[]
}

/** AdoptionPlan is the state of one store's database as adopt reads it. */
export interface AdoptionPlan {
  store: string
  location: string
  /**
   * missing: no database; empty: nothing in it; genmedia: genmedia made it (nothing to do);
   * adoptable: a seed's database genmedia can take over; refused: genmedia cannot place it.
   */
  status: 'missing' | 'empty' | 'genmedia' | 'adoptable' | 'refused'
  shape: string | null
  /** The migration version the database corresponds to; later ones run after adoption. */
  baseVersion: number
  latestVersion: number
  tables: TablePlan[]
  /** Indexes, triggers and views genmedia does not define, kept. */
  keptObjects: string[]
  /** Tables of the database that are not the store's, left alone. */
  otherTables: string[]
  /** Why it is refused, one line each. */
  problems: string[]
}

/** expectedSchemas migrates a scratch database step by step and reads its schema at each version. */
export async function expectedSchemas(
  definition: StoreDefinition,
  location: string,
): Promise<SchemaSnapshot[]> {
  const at = engineFor(location)
  const scratch = at.engine.doctor.scratch(at.location, definition.schema)
  const db = await Database.open(scratch.location, { schema: scratch.schema, poolSize: 1 })
  try {
    const migrator = new Migrator(db, definition.migrations, `genmedia:adopt:${scratch.schema}`)
    const snapshots: SchemaSnapshot[] = [await inspectSchema(db)]
    for (let v = 1; v <= definition.migrations.length; v++) {
      await migrator.migrateTo(v)
      snapshots.push(await inspectSchema(db))
    }
    return snapshots
  } finally {
    await db.close()
    await scratch.dispose()
  }
}

/**
 * planAdoption reads a store's database, without changing it, and says whether and how
 * genmedia can take it over. `expected[v]` is the schema migrations 1..v define.
 */
export async function planAdoption(
  definition: StoreDefinition,
  location: string,
  expected: readonly SchemaSnapshot[],
): Promise<AdoptionPlan> {
  const latest = definition.migrations.length
  const plan: AdoptionPlan = {
    store: definition.name,
    location: engineFor(location).location.redacted,
    status: 'missing',
    shape: null,
    baseVersion: 0,
    latestVersion: latest,
    tables: [],
    keptObjects: [],
    otherTables: [],
    problems: [],
  }
  if (!(await Database.exists(location, definition.schema))) return plan
  const db = await Database.open(location, { schema: definition.schema, create: false })
  try {
    const actual = await inspectSchema(db)
    if (actual.tables.length === 0) return { ...plan, status: 'empty' }
    if (actual.tables.some((t) => t.name === MIGRATION_TABLE))
      return { ...plan, status: 'genmedia' }
    // Only a database to take over needs the engine's part; others are reported on any engine.
    const adoption = db.engineImpl.adoption
    const storeTables = new Set(tableNamesOf(definition))
    const byName = new Map(actual.tables.map((t) => [t.name, t]))
    plan.otherTables = actual.tables.filter((t) => !storeTables.has(t.name)).map((t) => t.name)
    if (![...storeTables].some((t) => byName.has(t))) {
      plan.status = 'refused'
      plan.problems.push(
        `none of ${definition.name}'s tables (${[...storeTables].join(', ')}) is in this database`,
      )
      return plan
    }
    const base = baseVersion(expected, actual, storeTables)
    const recognised = definition.adopt
      ? await definition.adopt.recognise({
          tables: actual.tables,
          query: (sql) => db.query(sql),
        })
      : undefined
    plan.shape = recognised?.shape ?? `seed ${definition.seed}`
    plan.problems.push(...(recognised?.problems ?? []))
    if (recognised?.version !== undefined && recognised.version !== base) {
      plan.problems.push(
        `the database says it is ${recognised.shape} (genmedia version ${recognised.version}), but its tables and columns are those of version ${base}`,
      )
    }
    plan.baseVersion = base
    const target = expected[plan.baseVersion]!
    const final = expected[latest]!
    for (const name of storeTables) {
      const have = byName.get(name)
      const want = target.tables.find((t) => t.name === name)
      const wantLatest = final.tables.find((t) => t.name === name)
      const rows = have ? await countRows(db, name) : 0
      const tablePlan: TablePlan = {
        table: name,
        rows,
        present: have !== undefined,
        columns: have?.columns.map((c) => c.name) ?? [],
        kept: [],
        keptColumns: [],
        key: keyOf(have),
        added: [],
      }
      plan.tables.push(tablePlan)
      if (!want) {
        if (have)
          plan.problems.push(
            `${name}: genmedia creates this table at a later version, but the database already has one`,
          )
        continue
      }
      if (!have) continue
      plan.problems.push(...compareColumns(name, have, want, adoption))
      const known = new Set(wantLatest?.columns.map((c) => c.name) ?? [])
      tablePlan.keptColumns = have.columns.filter((c) => !known.has(c.name))
      tablePlan.kept = tablePlan.keptColumns.map((c) => c.name)
      const present = new Set(tablePlan.columns)
      tablePlan.added = [...known].filter((c) => !present.has(c))
    }
    const genmediaObjects = new Set([
      ...final.indexes.map((i) => `index ${i.name}`),
      ...final.triggers.map((t) => `trigger ${t.name}`),
      ...final.views.map((v) => `view ${v}`),
    ])
    plan.keptObjects = [
      ...actual.indexes.map((i) => `index ${i.name}`),
      ...actual.triggers.map((t) => `trigger ${t.name}`),
      ...actual.views.map((v) => `view ${v}`),
    ].filter((o) => !genmediaObjects.has(o))
    plan.status = plan.problems.length > 0 ? 'refused' : 'adoptable'
    return plan
  } finally {
    await db.close()
  }
}

/**
 * baseVersion is the newest version whose own additions (the tables and columns its migration
 * adds; a migration that adds none counts for nothing) the database has, every one, from version 1 (the seed's schema as genmedia
 * defines it, which a seed's database may lack a defaulted column of).
 */
function baseVersion(
  expected: readonly SchemaSnapshot[],
  actual: SchemaSnapshot,
  storeTables: ReadonlySet<string>,
): number {
  const columnsOf = (s: SchemaSnapshot) =>
    new Set(
      s.tables
        .filter((t) => storeTables.has(t.name))
        .flatMap((t) => t.columns.map((c) => `${t.name}.${c.name}`)),
    )
  const have = columnsOf(actual)
  let base = 1
  for (let v = 2; v < expected.length; v++) {
    const earlier = columnsOf(expected[v - 1]!)
    const added = [...columnsOf(expected[v]!)].filter((c) => !earlier.has(c))
    // A migration that adds no table or column (indexes, data) is not evidence either way.
    if (added.length === 0) continue
    if (added.every((c) => have.has(c))) base = v
    else break
  }
  return base
}

function compareColumns(
  table: string,
  have: TableInfo,
  want: TableInfo,
  adoption: EngineAdoption,
): string[] {
  const problems: string[] = []
  const columns = new Map(have.columns.map((c) => [c.name, c]))
  for (const column of want.columns) {
    const found = columns.get(column.name)
    if (!found) {
      // A column genmedia's table has and the database's lacks is added, if rows can do without.
      if (column.notNull && column.default === null && !column.primaryKey) {
        problems.push(
          `${table}.${column.name}: genmedia's ${table} needs it (NOT NULL, no default), the database does not have it`,
        )
      }
      continue
    }
    if (!adoption.sameMeaning(found.type, column.type)) {
      problems.push(
        `${table}.${column.name}: the database has ${found.type || 'no type'}, genmedia has ${column.type}; values would change meaning`,
      )
    }
  }
  return problems
}

async function countRows(db: Database, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`)
  return Number(row?.n ?? 0)
}

function keyOf(table: TableInfo | undefined): string {
  const keys = table?.columns.filter((c) => c.primaryKey) ?? []
  return keys.length === 1 ? keys[0]!.name : 'rowid'
}

/**
 * isForeignDatabase tells, cheaply and changing nothing, whether a store's location holds a
 * database genmedia did not create: tables, but no `genmedia_migrations`.
 */
export async function isForeignDatabase(
  definition: StoreDefinition,
  location: string,
): Promise<boolean> {
  if (!(await Database.exists(location, definition.schema))) return false
  const db = await Database.open(location, { schema: definition.schema, create: false })
  try {
    const { tables } = await inspectSchema(db)
    return tables.length > 0 && !tables.some((t) => t.name === MIGRATION_TABLE)
  } finally {
    await db.close()
  }
}
