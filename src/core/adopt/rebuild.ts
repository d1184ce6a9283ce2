import type { Database, Executor } from '../database.js'
import type { SqlDialect } from '../dialect.js'
import { GenmediaError } from '../errors.js'
import { checksumOf, MIGRATION_TABLE, runMigrationStep, type Migration } from '../migrator.js'
import { addDigests } from './digest.js'
import type { EngineAdoption, RowDigest, SchemaObject } from './engine.js'
import type { AdoptionPlan, TablePlan } from './plan.js'

/** RejectedRow is a row that breaks a constraint genmedia adds. */
export interface RejectedRow {
  table: string
  key: string | number
  /** The column the constraint guards, where the engine names one. */
  column: string
  problem: string
}

/** AdoptionRefusedError: rows break genmedia's constraints, or the result did not verify. */
export class AdoptionRefusedError extends GenmediaError {
  readonly problems: string[]
  readonly rejected: RejectedRow[]

  constructor(message: string, problems: string[], rejected: RejectedRow[] = []) {
    super('adopt_refused', message)
    this.problems = problems
    this.rejected = rejected
  }
}

/** What one rebuild did, table by table. */
export interface RebuildOutcome {
  before: Record<string, number>
  after: Record<string, number>
  /** Rows moved to `<table>_set_aside` (with setAside). */
  setAside: RejectedRow[]
  /** Objects of the database that genmedia's own of the same name replaced. */
  replaced: string[]
}

export const SET_ASIDE_SUFFIX = '_set_aside'
const q = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The migrations table, as the migrator creates it. */
const MIGRATION_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`

/**
 * rebuild brings the database of `plan` to genmedia's latest schema inside transaction `trx`:
 * its indexes, triggers and views set aside, its tables moved aside, migrations 1..base run
 * (genmedia's tables with every constraint), the rows copied with their keys (genmedia's
 * triggers dropped meanwhile: the database's own already did their work), the user's columns,
 * indexes, triggers and views put back, the later migrations run, and everything verified:
 * row counts and checksums over the columns that were there, foreign keys, integrity. Throws
 * (the caller rolls back) on any failure.
 */
export async function rebuild(
  db: Database,
  trx: Executor,
  adoption: EngineAdoption,
  plan: AdoptionPlan,
  migrations: readonly Migration[],
  options: { setAside: boolean },
): Promise<RebuildOutcome> {
  const dialect = db.dialect
  const run = (sql: string, params: unknown[] = []) => db.query(sql, params, trx)
  const present = plan.tables.filter((t) => t.present)
  const storeTables = new Set(plan.tables.map((t) => t.table))
  const counters = await adoption.keyCounters(db, trx)
  const before = new Map<string, RowDigest>()
  for (const t of present) before.set(t.table, await adoption.digest(db, trx, t.table, t.columns))

  const theirs = (await adoption.objects(db, trx)).filter(
    (o) => o.type === 'view' || storeTables.has(o.table),
  )
  for (const object of [...theirs].reverse()) await run(adoption.dropObject(object))
  for (const t of present) {
    for (const statement of adoption.setAside(db, t.table)) await run(statement)
  }
  const aside = (table: string) => adoption.asideName(db, table)

  await run(MIGRATION_TABLE_DDL)
  for (const migration of migrations.slice(0, plan.baseVersion)) {
    await applyMigration(db, trx, migration, dialect)
  }
  const ours = await adoption.objects(db, trx)
  const ourTriggers = ours.filter((o) => o.type === 'trigger')
  for (const trigger of ourTriggers) await run(adoption.dropObject(trigger))
  // Indexes are built once over the copied rows, faster than kept up row by row; unique ones
  // stay, so that a row they refuse is found and named.
  const presentNames = new Set(present.map((t) => t.table))
  const ourIndexes = ours.filter(
    (o) => o.type === 'index' && presentNames.has(o.table) && !/^CREATE\s+UNIQUE/i.test(o.sql),
  )
  for (const index of ourIndexes) await run(adoption.dropObject(index))
  // The database's own rows are the truth: rows genmedia's migrations wrote (default settings,
  // a placeholder) give way to them.
  for (const t of present) await run(`DELETE FROM ${q(t.table)}`)

  const rejected: RejectedRow[] = []
  const setAside: RejectedRow[] = []
  for (const t of present) {
    for (const column of t.keptColumns) await run(adoption.addColumn(t.table, column))
    const bad = await copyRows(db, trx, t, aside(t.table))
    await adoption.raiseKeyCounter(db, trx, t.table, counters.get(t.table) ?? 0)
    if (bad.length === 0) continue
    if (!options.setAside) rejected.push(...bad)
    else {
      await moveAside(db, trx, t, aside(t.table), bad)
      setAside.push(...bad)
    }
  }
  // Rows whose parent is missing (or was set aside): set aside in turn, until none is left.
  for (let round = 0; round < 100; round++) {
    const orphans = (await adoption.foreignKeyViolations(db, trx)).filter((v) =>
      storeTables.has(v.table),
    )
    if (orphans.length === 0) break
    const rows = orphans.map((o) => ({
      table: o.table,
      key: o.key,
      keyColumn: o.keyColumn,
      column: o.column,
      problem: `points to a missing ${o.parent}`,
    }))
    if (!options.setAside) {
      rejected.push(...rows)
      break
    }
    for (const t of present) {
      const mine = rows.filter((r) => r.table === t.table)
      if (mine.length > 0) await moveAside(db, trx, t, q(t.table), mine, mine[0]!.keyColumn)
    }
    setAside.push(...rows)
  }
  if (rejected.length > 0) {
    throw new AdoptionRefusedError(
      `${rejected.length} rows of ${plan.store} break constraints genmedia adds; fix them, or run genmedia adopt ${plan.store} --set-aside to move them to <table>${SET_ASIDE_SUFFIX} tables`,
      rejected.map(describeRejected),
      rejected,
    )
  }

  for (const index of ourIndexes) await run(index.sql)
  for (const trigger of ourTriggers) await run(trigger.sql)
  const replaced: string[] = []
  const names = new Set(ours.map((o) => o.name))
  for (const object of theirs) {
    if (names.has(object.name)) {
      replaced.push(`${object.type} ${object.name}`)
      continue
    }
    try {
      await run(object.sql)
    } catch (error) {
      throw new AdoptionRefusedError(
        `${object.type} ${object.name} of ${plan.store} cannot be kept on genmedia's tables: ${(error as Error).message}`,
        [`${object.type} ${object.name}: ${(error as Error).message}`],
      )
    }
  }
  for (const statement of adoption.dropAside(
    db,
    present.map((t) => t.table),
  ))
    await run(statement)

  const outcome: RebuildOutcome = { before: {}, after: {}, setAside, replaced }
  const problems: string[] = []
  for (const t of present) {
    const was = before.get(t.table)!
    let now = await adoption.digest(db, trx, t.table, t.columns)
    outcome.before[t.table] = was.rows
    outcome.after[t.table] = now.rows
    if (setAside.some((r) => r.table === t.table)) {
      now = addDigests(now, await adoption.digest(db, trx, t.table + SET_ASIDE_SUFFIX, t.columns))
    }
    if (now.rows !== was.rows)
      problems.push(`${t.table}: ${was.rows} rows before, ${now.rows} after`)
    else if (now.sum !== was.sum) problems.push(`${t.table}: the values of its rows changed`)
  }
  // The later migrations are genmedia's own steps (a version marker they update included),
  // checked as every migration is; what adopt itself did is verified above.
  for (const migration of migrations.slice(plan.baseVersion)) {
    try {
      await applyMigration(db, trx, migration, dialect)
    } catch (error) {
      // The engine's own words name the index or constraint ("UNIQUE constraint failed: …").
      const cause = (error as { cause?: unknown }).cause
      const reason = `${(error as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`
      throw new AdoptionRefusedError(
        `migration ${migration.version} (${migration.name}) of ${plan.store} fails on this database's rows: ${reason}`,
        [`migration ${migration.version} (${migration.name}): ${reason}`],
      )
    }
  }

  const orphans = await adoption.foreignKeyViolations(db, trx)
  if (orphans.length > 0) {
    problems.push(
      `${orphans.length} rows point to missing parents (${orphans[0]!.table} → ${orphans[0]!.parent})`,
    )
  }
  problems.push(...(await adoption.integrity(db, trx)))
  if (problems.length > 0) {
    throw new AdoptionRefusedError(
      `${plan.store} did not verify after adoption: ${problems.join('; ')}`,
      problems,
    )
  }
  return outcome
}

async function applyMigration(
  db: Database,
  trx: Executor,
  migration: Migration,
  dialect: SqlDialect,
): Promise<void> {
  await runMigrationStep(db, trx, migration, 'up')
  const params = [1, 2, 3, 4].map((i) => dialect.parameter(i)).join(', ')
  await db.query(
    `INSERT INTO ${MIGRATION_TABLE} (version, name, checksum, applied_at) VALUES (${params})`,
    [migration.version, migration.name, checksumOf(migration, dialect), new Date().toISOString()],
    trx,
  )
}

/**
 * copyRows copies a table's rows from its old table into genmedia's, keys kept. When the one
 * INSERT … SELECT fails, it copies row by row to find every row that breaks a constraint, and
 * returns those (the others are copied).
 */
async function copyRows(
  db: Database,
  trx: Executor,
  t: TablePlan,
  from: string,
): Promise<RejectedRow[]> {
  const columns = [...t.columns].map(q).join(', ')
  const copy = `INSERT INTO ${q(t.table)} (${columns}) SELECT ${columns} FROM ${from}`
  await db.query('SAVEPOINT adopt_copy', [], trx)
  try {
    await db.query(copy, [], trx)
    await db.query('RELEASE SAVEPOINT adopt_copy', [], trx)
    return []
  } catch {
    await db.query('ROLLBACK TO SAVEPOINT adopt_copy', [], trx)
    await db.query('RELEASE SAVEPOINT adopt_copy', [], trx)
  }
  const bad: RejectedRow[] = []
  const keys = await db.query<{ k: string | number }>(
    `SELECT ${q(t.key)} AS k FROM ${from} ORDER BY 1`,
    [],
    trx,
  )
  const one = `${copy} WHERE ${q(t.key)} = ${db.dialect.parameter(1)}`
  for (const { k } of keys) {
    await db.query('SAVEPOINT adopt_row', [], trx)
    try {
      await db.query(one, [k], trx)
      await db.query('RELEASE SAVEPOINT adopt_row', [], trx)
    } catch (error) {
      await db.query('ROLLBACK TO SAVEPOINT adopt_row', [], trx)
      await db.query('RELEASE SAVEPOINT adopt_row', [], trx)
      bad.push({
        table: t.table,
        key: k,
        column: columnOf(error, t.table),
        problem: (error as Error).message,
      })
    }
  }
  return bad
}

/** The column a constraint error names (ValidationError's field, or `table.column` in its text). */
function columnOf(error: unknown, table: string): string {
  const field = (error as { field?: unknown }).field
  if (typeof field === 'string' && field) return field
  const match = new RegExp(`\\b${table}\\.(\\w+)`).exec((error as Error).message)
  return match?.[1] ?? ''
}

/**
 * moveAside copies rows from `from` (a quoted name) into `<table>_set_aside`; given the column their keys are
 * in (`removeBy`), it deletes them from `from`, otherwise they are found by the table's key.
 */
async function moveAside(
  db: Database,
  trx: Executor,
  t: TablePlan,
  from: string,
  rows: readonly RejectedRow[],
  removeBy?: string,
): Promise<void> {
  const remove = removeBy !== undefined
  const aside = q(t.table + SET_ASIDE_SUFFIX)
  const columns = t.columns.map(q).join(', ')
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${aside} AS SELECT ${columns} FROM ${from} WHERE 1 = 0`,
    [],
    trx,
  )
  const key = removeBy ?? (t.key === 'rowid' ? t.key : q(t.key))
  for (const row of rows) {
    const p = db.dialect.parameter(1)
    await db.query(
      `INSERT INTO ${aside} (${columns}) SELECT ${columns} FROM ${from} WHERE ${key} = ${p}`,
      [row.key],
      trx,
    )
    if (remove) await db.query(`DELETE FROM ${from} WHERE ${key} = ${p}`, [row.key], trx)
  }
}

function describeRejected(row: RejectedRow): string {
  return `${row.table} ${row.key}${row.column ? ` (${row.column})` : ''}: ${row.problem}`
}

export type { SchemaObject }
