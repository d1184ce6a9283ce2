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
/** The prefix of the tables rows wait in until the latest rules judge them (dropped before commit). */
const HELD_PREFIX = 'genmedia_adopt_held_'
const q = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The migrations table, as the migrator creates it. */
const MIGRATION_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`

/**
 * rebuild brings the database of `plan` to genmedia's latest schema inside transaction `trx`:
 * its indexes, triggers and views set aside, its tables moved aside, migrations 1..base run
 * (genmedia's tables with every constraint), the rows copied with their keys (genmedia's
 * triggers dropped meanwhile: the database's own already did their work), the user's columns,
 * indexes, triggers and views put back, the later migrations run, and everything verified:
 * each table's rows and values over the columns that were there against the table set aside
 * (verifyCopy), foreign keys, integrity. Rows are judged by the latest version's rules: a row
 * the base version's tables refuse waits until the later migrations ran, and only a row the
 * latest tables refuse too is rejected (or, with setAside, set aside). Throws (the caller rolls
 * back) on any failure.
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

  // A row genmedia's tables at the base version refuse may be one a later migration takes (a
  // rule relaxed since): it waits in a table of its own and is judged by the latest rules, after
  // the later migrations ran (admitHeld).
  const held = new Set<string>()
  for (const t of present) {
    for (const column of t.keptColumns) await run(adoption.addColumn(t.table, column))
    const bad = await copyRows(db, trx, t, aside(t.table))
    await adoption.raiseKeyCounter(db, trx, t.table, counters.get(t.table) ?? 0)
    if (bad.length === 0) continue
    await moveAside(db, trx, t, aside(t.table), HELD_PREFIX + t.table, bad)
    held.add(t.table)
  }
  // Rows whose parent waits (or is missing) wait too.
  const waiting = await moveOrphans(db, trx, adoption, present, storeTables, (t) => HELD_PREFIX + t)
  for (const row of waiting) held.add(row.table)

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

  // The rows are verified while the tables set aside still stand beside genmedia's.
  const outcome: RebuildOutcome = { before: {}, after: {}, setAside: [], replaced }
  const problems: string[] = []
  for (const t of present) {
    const waitingIn = held.has(t.table) ? q(HELD_PREFIX + t.table) : undefined
    const verdict = await verifyCopy(db, trx, adoption, t, aside(t.table), waitingIn)
    outcome.before[t.table] = verdict.before
    outcome.after[t.table] = verdict.after
    if (verdict.problem) problems.push(verdict.problem)
  }
  for (const statement of adoption.dropAside(
    db,
    present.map((t) => t.table),
  ))
    await run(statement)
  // The integrity check reads the file as the rebuild left it: every table, index and free page
  // it wrote. The later migrations are genmedia's own steps, run as `migrate` runs them on any
  // store; after them SQLite's check would also derive the search index's whole content again
  // from every row (half of its time on a million rows), an index FTS5 has just built from
  // those rows with its own rebuild.
  problems.push(...(await adoption.integrity(db, trx)))
  // The triggers standing now (the database's own, genmedia's of the base version) did their work
  // when the rows were first written; admitHeld holds them back while the waiting rows go in.
  const standing = new Set(
    (await adoption.objects(db, trx)).filter((o) => o.type === 'trigger').map((o) => o.name),
  )
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

  if (held.size > 0) {
    const admitted = await admitHeld(db, trx, adoption, {
      tables: present.filter((t) => held.has(t.table)),
      storeTables,
      standing,
      counters,
      setAside: options.setAside,
      store: plan.store,
    })
    outcome.setAside = admitted.setAside
    Object.assign(outcome.after, admitted.after)
    problems.push(...admitted.problems)
    // The rows that waited went in after the check above.
    problems.push(...(await adoption.integrity(db, trx)))
  }

  const orphans = await adoption.foreignKeyViolations(db, trx)
  if (orphans.length > 0) {
    problems.push(
      `${orphans.length} rows point to missing parents (${orphans[0]!.table} → ${orphans[0]!.parent})`,
    )
  }
  if (problems.length > 0) {
    throw new AdoptionRefusedError(
      `${plan.store} did not verify after adoption: ${problems.join('; ')}`,
      problems,
    )
  }
  return outcome
}

/**
 * verifyCopy checks that genmedia's table, with the rows that wait in `waitingIn` (a quoted
 * name) where some do, holds exactly the rows of the table set aside (`from`, quoted) over the
 * columns it had, and returns the row counts before and after (without those waiting). The
 * engine compares the two tables itself where it can (sameRows), which reads both once instead
 * of turning every value into a digest twice; otherwise, and wherever it finds no match, the
 * digests of both sides decide.
 */
async function verifyCopy(
  db: Database,
  trx: Executor,
  adoption: EngineAdoption,
  t: TablePlan,
  from: string,
  waitingIn: string | undefined,
): Promise<{ before: number; after: number; problem?: string }> {
  if (waitingIn === undefined && adoption.sameRows) {
    const rows = await adoption.sameRows(db, trx, t.table, t.columns)
    if (rows !== undefined) return { before: rows, after: rows }
  }
  const was = await adoption.digest(db, trx, from, t.columns)
  let now = await adoption.digest(db, trx, q(t.table), t.columns)
  const after = now.rows
  if (waitingIn !== undefined) {
    now = addDigests(now, await adoption.digest(db, trx, waitingIn, t.columns))
  }
  const verdict = { before: was.rows, after }
  if (now.rows !== was.rows) {
    return { ...verdict, problem: `${t.table}: ${was.rows} rows before, ${now.rows} after` }
  }
  if (now.sum !== was.sum) {
    return { ...verdict, problem: `${t.table}: the values of its rows changed` }
  }
  return verdict
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
 * moveAside copies rows from `from` (a quoted name) into table `to` (made like `from` if missing);
 * given the column their keys are in (`removeBy`), it deletes them from `from`, otherwise they
 * are found by the table's key.
 */
async function moveAside(
  db: Database,
  trx: Executor,
  t: TablePlan,
  from: string,
  to: string,
  rows: readonly RejectedRow[],
  removeBy?: string,
): Promise<void> {
  const remove = removeBy !== undefined
  const columns = t.columns.map(q).join(', ')
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${q(to)} AS SELECT ${columns} FROM ${from} WHERE 1 = 0`,
    [],
    trx,
  )
  const key = removeBy ?? (t.key === 'rowid' ? t.key : q(t.key))
  for (const row of rows) {
    const p = db.dialect.parameter(1)
    await db.query(
      `INSERT INTO ${q(to)} (${columns}) SELECT ${columns} FROM ${from} WHERE ${key} = ${p}`,
      [row.key],
      trx,
    )
    if (remove) await db.query(`DELETE FROM ${from} WHERE ${key} = ${p}`, [row.key], trx)
  }
}

/** The store's rows whose parent is missing, each with the column its key is in. */
async function orphanRows(
  db: Database,
  trx: Executor,
  adoption: EngineAdoption,
  storeTables: ReadonlySet<string>,
): Promise<(RejectedRow & { keyColumn: string })[]> {
  const violations = await adoption.foreignKeyViolations(db, trx)
  return violations
    .filter((v) => storeTables.has(v.table))
    .map((v) => ({
      table: v.table,
      key: v.key,
      keyColumn: v.keyColumn,
      column: v.column,
      problem: `points to a missing ${v.parent}`,
    }))
}

/**
 * moveOrphans moves the rows of `tables` whose parent is missing into table `to(table)`, then
 * those whose parent it moved, until none is left; returns them.
 */
async function moveOrphans(
  db: Database,
  trx: Executor,
  adoption: EngineAdoption,
  tables: readonly TablePlan[],
  storeTables: ReadonlySet<string>,
  to: (table: string) => string,
): Promise<RejectedRow[]> {
  const moved: RejectedRow[] = []
  for (let round = 0; round < 100; round++) {
    const orphans = await orphanRows(db, trx, adoption, storeTables)
    let count = 0
    for (const t of tables) {
      const mine = orphans.filter((r) => r.table === t.table)
      if (mine.length === 0) continue
      await moveAside(db, trx, t, q(t.table), to(t.table), mine, mine[0]!.keyColumn)
      moved.push(...mine)
      count += mine.length
    }
    if (count === 0) break
  }
  return moved
}

interface HeldRows {
  /** The tables with rows waiting, parents first. */
  tables: readonly TablePlan[]
  storeTables: ReadonlySet<string>
  /** The triggers to hold back while the rows go in. */
  standing: ReadonlySet<string>
  counters: ReadonlyMap<string, number>
  setAside: boolean
  store: string
}

/**
 * admitHeld copies the rows that waited into genmedia's tables at the latest version, each
 * table's in one statement, row by row where that fails. The triggers that stood when the rows
 * were first written are held back (their work is in the rows); those of the later migrations
 * run, so that what they keep (totals, search indexes) counts these rows too. A row the latest
 * rules refuse, or whose parent is missing, is rejected or, with setAside, moved to
 * `<table>_set_aside`. Verifies each table's rows and checksum, set-aside rows included.
 */
async function admitHeld(
  db: Database,
  trx: Executor,
  adoption: EngineAdoption,
  held: HeldRows,
): Promise<{ setAside: RejectedRow[]; after: Record<string, number>; problems: string[] }> {
  const run = (sql: string) => db.query(sql, [], trx)
  const digest = (table: string, t: TablePlan) => adoption.digest(db, trx, q(table), t.columns)
  const expected = new Map<string, RowDigest>()
  for (const t of held.tables) {
    expected.set(
      t.table,
      addDigests(await digest(t.table, t), await digest(HELD_PREFIX + t.table, t)),
    )
  }
  const quiet = (await adoption.objects(db, trx)).filter(
    (o) => o.type === 'trigger' && held.standing.has(o.name) && held.storeTables.has(o.table),
  )
  for (const trigger of quiet) await run(adoption.dropObject(trigger))

  const rejected: RejectedRow[] = []
  const setAside: RejectedRow[] = []
  for (const t of held.tables) {
    const from = q(HELD_PREFIX + t.table)
    const bad = await copyRows(db, trx, t, from)
    await adoption.raiseKeyCounter(db, trx, t.table, held.counters.get(t.table) ?? 0)
    if (bad.length === 0) continue
    if (!held.setAside) rejected.push(...bad)
    else {
      await moveAside(db, trx, t, from, t.table + SET_ASIDE_SUFFIX, bad)
      setAside.push(...bad)
    }
  }
  // Rows whose parent is missing (or was set aside): set aside in turn.
  if (!held.setAside) rejected.push(...(await orphanRows(db, trx, adoption, held.storeTables)))
  else {
    const aside = (table: string) => table + SET_ASIDE_SUFFIX
    setAside.push(...(await moveOrphans(db, trx, adoption, held.tables, held.storeTables, aside)))
  }
  if (rejected.length > 0) {
    throw new AdoptionRefusedError(
      `${rejected.length} rows of ${held.store} break constraints genmedia adds; fix them, or run genmedia adopt ${held.store} --set-aside to move them to <table>${SET_ASIDE_SUFFIX} tables`,
      rejected.map(describeRejected),
      rejected,
    )
  }
  for (const trigger of quiet) await run(trigger.sql)

  const after: Record<string, number> = {}
  const problems: string[] = []
  for (const t of held.tables) {
    let now = await digest(t.table, t)
    after[t.table] = now.rows
    if (setAside.some((r) => r.table === t.table)) {
      now = addDigests(now, await digest(t.table + SET_ASIDE_SUFFIX, t))
    }
    const was = expected.get(t.table)!
    if (now.rows !== was.rows || now.sum !== was.sum) {
      problems.push(`${t.table}: the rows that waited for genmedia's latest rules changed`)
    }
    await run(`DROP TABLE ${q(HELD_PREFIX + t.table)}`)
  }
  return { setAside, after, problems }
}

function describeRejected(row: RejectedRow): string {
  return `${row.table} ${row.key}${row.column ? ` (${row.column})` : ''}: ${row.problem}`
}

export type { SchemaObject }
