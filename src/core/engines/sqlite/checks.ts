import type { CheckChange, EngineChecks } from '../../checks.js'
import type { Database, Executor } from '../../database.js'
import { sqliteAdoption } from './adopt.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * sqliteChecks: SQLite cannot drop or add a constraint, so the table is rebuilt from its own
 * CREATE statement with the constraints taken out or put in (rebuildTable). The connection has
 * foreign keys off and the legacy rename on around the step's transaction, as adopt's rebuild
 * has them: dropping the old table would otherwise fire its children's ON DELETE actions, and
 * a rename would rewrite their references.
 */
export const sqliteChecks: EngineChecks = {
  before: sqliteAdoption.before,
  after: sqliteAdoption.after,
  drop: (db, trx, change) =>
    rebuildTable(db, trx, change.table, (sql) =>
      (change.notNull ?? []).reduce(
        (s, column) => withNotNull(s, column, change.table, false),
        change.checks.reduce((s, c) => withoutConstraint(s, c.name, change.table), sql),
      ),
    ),
  add: (db, trx, change) =>
    rebuildTable(db, trx, change.table, (sql) =>
      (change.notNull ?? []).reduce(
        (s, column) => withNotNull(s, column, change.table, true),
        withConstraints(sql, change),
      ),
    ),
}

/**
 * rebuildTable replaces `table` by one created from `edit` of its CREATE TABLE statement, as
 * https://sqlite.org/lang_altertable.html#otheralter does it: the table moved aside, the new
 * one created under its name, every column's values copied with their keys, the old one
 * dropped, its indexes and triggers made again from their own statements, the AUTOINCREMENT
 * counter kept. Then it verifies: the same row count and checksum over every column, and no
 * row anywhere pointing to a missing parent (`foreign_key_check`). Throws on any difference;
 * the caller's transaction then rolls back. Needs sqliteChecks.before on the connection.
 */
export async function rebuildTable(
  db: Database,
  trx: Executor,
  table: string,
  edit: (createTable: string) => string,
): Promise<void> {
  const run = (statement: string) => db.query(statement, [], trx)
  const [definition] = await db.query<{ sql: string }>(
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
    [table],
    trx,
  )
  if (!definition) throw new Error(`cannot rebuild ${table}: the database has no such table`)
  const [foreignKeys] = await db.query<{ foreign_keys: number }>('PRAGMA foreign_keys', [], trx)
  if (foreignKeys?.foreign_keys !== 0) {
    throw new Error(`cannot rebuild ${table} with foreign keys on: its children would follow it`)
  }
  const created = edit(definition.sql)
  const columns = (
    await db.query<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table], trx)
  ).map((c) => c.name)
  const objects = (await sqliteAdoption.objects(db, trx)).filter(
    (o) => o.type !== 'view' && o.table === table,
  )
  const counter = (await sqliteAdoption.keyCounters(db, trx)).get(table)
  const before = await sqliteAdoption.digest(db, trx, quote(table), columns)

  // Triggers go first, as adopt's rebuild drops them, so that the rename touches no trigger text.
  for (const trigger of objects.filter((o) => o.type === 'trigger')) {
    await run(sqliteAdoption.dropObject(trigger))
  }
  for (const statement of sqliteAdoption.setAside(db, table)) await run(statement)
  await run(created)
  const list = columns.map(quote).join(', ')
  await run(
    `INSERT INTO ${quote(table)} (${list}) SELECT ${list} FROM ${sqliteAdoption.asideName(db, table)}`,
  )
  for (const statement of sqliteAdoption.dropAside(db, [table])) await run(statement)
  for (const object of objects) await run(object.sql)
  if (counter !== undefined) {
    // The new table's counter starts at its highest id; the old one may have been past it.
    await db.query(
      'INSERT INTO sqlite_sequence (name, seq) SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)',
      [table, table],
      trx,
    )
    await sqliteAdoption.raiseKeyCounter(db, trx, table, counter)
  }

  const after = await sqliteAdoption.digest(db, trx, quote(table), columns)
  if (after.rows !== before.rows || after.sum !== before.sum) {
    throw new Error(
      `rebuilding ${table} changed its rows (${before.rows} before, ${after.rows} after, checksums ${before.sum === after.sum ? 'equal' : 'differ'})`,
    )
  }
  const orphans = await sqliteAdoption.foreignKeyViolations(db, trx)
  if (orphans.length > 0) {
    const o = orphans[0]!
    throw new Error(
      `rebuilding ${table} left ${orphans.length} rows pointing to missing parents (${o.table} rowid ${o.key} → ${o.parent})`,
    )
  }
}

/** The index just past the parenthesis that closes the one at `open`, skipping quoted text. */
function closingParen(sql: string, open: number): number {
  let depth = 0
  for (let i = open; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"' || c === '`') {
      // A quote inside quoted text is doubled, which this skips as two quoted runs.
      i = sql.indexOf(c, i + 1)
      if (i < 0) break
    } else if (c === '[') {
      i = sql.indexOf(']', i + 1)
      if (i < 0) break
    } else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i + 1
  }
  throw new Error(`unbalanced parentheses in: ${sql}`)
}

/** `sql` (a CREATE TABLE) without its table constraint `CONSTRAINT <name> CHECK (…)`. */
export function withoutConstraint(sql: string, name: string, table: string): string {
  const pattern = new RegExp(`,\\s*CONSTRAINT\\s+["\`]?${name}["\`]?\\s+CHECK\\s*\\(`, 'i')
  const found = pattern.exec(sql)
  if (!found) throw new Error(`${table} has no CHECK constraint named ${name}`)
  const end = closingParen(sql, found.index + found[0].length - 1)
  return sql.slice(0, found.index) + sql.slice(end)
}

/**
 * `sql` (a CREATE TABLE) with or without NOT NULL on `column`'s definition: the column's name and
 * type, at the start of a definition, then (to remove) its NOT NULL before the next comma.
 */
export function withNotNull(sql: string, column: string, table: string, on: boolean): string {
  const name = `["\`]?${column}["\`]?`
  if (on) {
    const definition = new RegExp(`([(,]\\s*${name}\\s+\\w+(\\s*\\([^)]*\\))?)`, 'i')
    if (!definition.test(sql)) throw new Error(`${table} has no column ${column}`)
    return sql.replace(definition, '$1 NOT NULL')
  }
  const notNull = new RegExp(`([(,]\\s*${name}\\s+[^,]*?)\\s+NOT\\s+NULL\\b`, 'i')
  if (!notNull.test(sql)) throw new Error(`${table}.${column} is not NOT NULL`)
  return sql.replace(notNull, '$1')
}

/** `sql` (a CREATE TABLE) with the change's constraints added after its last definition. */
function withConstraints(sql: string, change: CheckChange): string {
  if (change.checks.length === 0) return sql
  const end = closingParen(sql, sql.indexOf('(')) - 1
  const added = change.checks
    .map((c) => `,\n    CONSTRAINT ${c.name} CHECK (${c.condition})`)
    .join('')
  return sql.slice(0, end) + added + sql.slice(end)
}
