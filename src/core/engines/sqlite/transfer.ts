import BetterSqlite3 from 'better-sqlite3'
import type { Database } from '../../database.js'
import type {
  EngineTransfer,
  ForeignKey,
  RawRow,
  SnapshotReader,
  TableKey,
  TableLoader,
} from '../../transfer/engine.js'
import { valueJson, type LineFragment } from '../../transfer/lines.js'
import type { ColumnKind } from '../../table.js'
import { isBusy, SQLITE_BUSY_DEADLINE_MS, SQLITE_PRAGMAS, toSqliteValue } from './connection.js'
import { runSqliteQuery } from './query.js'
import { sqliteRebuildSearchIndex } from './search.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

function* batches<Row>(statement: BetterSqlite3.Statement, batchSize: number): Generator<Row[]> {
  let batch: Row[] = []
  for (const row of statement.iterate() as IterableIterator<Row>) {
    batch.push(row)
    if (batch.length >= batchSize) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/**
 * streamRows yields the batches of a statement. better-sqlite3 steps synchronously; between
 * batches the generator yields to the event loop, so a long export never blocks it whole.
 */
async function* streamRows<Row = RawRow>(
  handle: BetterSqlite3.Database,
  sql: string,
  batchSize: number,
  arrays = false,
): AsyncGenerator<Row[]> {
  const statement = handle.prepare(sql)
  if (arrays) statement.raw(true)
  for (const batch of batches<Row>(statement, batchSize)) {
    yield batch
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The function export lines call for what their SQL does not write itself. */
const VALUE_JSON = 'genmedia_value_json'
const withLineFunctions = new WeakSet<BetterSqlite3.Database>()

/** registerLineFunctions gives a connection what lineFragment's SQL calls (once per handle). */
function registerLineFunctions(handle: BetterSqlite3.Database): void {
  if (withLineFunctions.has(handle)) return
  handle.function(VALUE_JSON, { deterministic: true, directOnly: true }, (kind, value) =>
    valueJson(kind as ColumnKind, value),
  )
  withLineFunctions.add(handle)
}

/** The largest integer JavaScript holds exactly: better-sqlite3 reads larger ones inexactly. */
const SAFE = '9007199254740991'
const DIGIT = '[0-9]'
const DATE_TIME = `${DIGIT.repeat(4)}-${DIGIT.repeat(2)}-${DIGIT.repeat(2)} ${DIGIT.repeat(2)}:${DIGIT.repeat(2)}:${DIGIT.repeat(2)}`

/**
 * sqliteLineFragment writes in SQL the values whose JSON text is sure: integers JavaScript
 * holds exactly; reals from 1e-4 up to 1e15 that 15 significant digits give back exactly (then
 * printf's `%.15g` is the shortest form, as JavaScript writes it, and neither writes an
 * exponent); text (json_quote escapes as JSON.stringify does); booleans stored as numbers; and
 * timestamps in SQLite's own `YYYY-MM-DD HH:MM:SS[.fff]`, moved to ISO-8601 by position as
 * the codec does. Anything else, and every JSON value (whose keys are sorted), goes to
 * `valueJson` through a function, so that every line is exact.
 */
function sqliteLineFragment(column: string, kind: ColumnKind): LineFragment {
  const x = quote(column)
  const cases: string[] = [`WHEN ${x} IS NULL THEN 'null'`]
  const text = `WHEN typeof(${x}) = 'text' THEN json_quote(${x})`
  if (kind === 'id' || kind === 'integer' || kind === 'real' || kind === 'text') {
    const integer = `WHEN typeof(${x}) = 'integer' AND ${x} BETWEEN -${SAFE} AND ${SAFE} THEN CAST(${x} AS TEXT)`
    const real = [
      `WHEN typeof(${x}) = 'real' AND ${x} = 0 THEN '0'`,
      `WHEN typeof(${x}) = 'real' AND abs(${x}) >= 1e-4 AND abs(${x}) < 1e15 ` +
        `AND CAST(printf('%.15g', ${x}) AS REAL) = ${x} THEN printf('%.15g', ${x})`,
    ]
    // The kind's own type first: most values are of it.
    if (kind === 'text') cases.push(text, integer, ...real)
    else if (kind === 'real') cases.push(...real, integer, text)
    else cases.push(integer, ...real, text)
  } else if (kind === 'boolean') {
    cases.push(
      `WHEN typeof(${x}) IN ('integer', 'real') THEN CASE WHEN ${x} <> 0 THEN 'true' ELSE 'false' END`,
    )
  } else if (kind === 'timestamp') {
    // The byte length too: GLOB stops at a NUL, the codec does not.
    cases.push(
      `WHEN typeof(${x}) = 'text' AND octet_length(${x}) = 23 AND ${x} GLOB '${DATE_TIME}.${DIGIT.repeat(3)}' ` +
        `THEN '"' || substr(${x}, 1, 10) || 'T' || substr(${x}, 12) || 'Z"'`,
      `WHEN typeof(${x}) = 'text' AND octet_length(${x}) = 19 AND ${x} GLOB '${DATE_TIME}' ` +
        `THEN '"' || substr(${x}, 1, 10) || 'T' || substr(${x}, 12) || '.000Z"'`,
    )
  } else if (kind === 'json') {
    // An array of strings (tags) that is already as JSON.stringify writes it: valid, minified,
    // no escape, no NUL, nothing nested, and as many quotes as two per element (so that every
    // element is a string). Objects have their keys sorted in JavaScript.
    cases.push(
      `WHEN typeof(${x}) = 'text' AND ${x} = '[]' THEN '[]'`,
      `WHEN typeof(${x}) = 'text' AND ${x} GLOB '[[]"*"]' AND instr(${x}, '\\') = 0 ` +
        `AND instr(${x}, char(0)) = 0 AND instr(${x}, '{') = 0 AND instr(substr(${x}, 2), '[') = 0 ` +
        `AND json_valid(${x}) AND json(${x}) = ${x} ` +
        `AND length(${x}) - length(replace(${x}, '"', '')) = 2 * json_array_length(${x}) THEN ${x}`,
    )
  }
  return {
    sql: `CASE ${cases.join(' ')} ELSE ${VALUE_JSON}('${kind}', ${x}) END`,
    total: true,
  }
}

/** Begins an IMMEDIATE transaction, waiting asynchronously while another connection writes. */
async function beginImmediate(handle: BetterSqlite3.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_DEADLINE_MS
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      handle.exec('BEGIN IMMEDIATE')
      return
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

function usesAutoincrement(handle: BetterSqlite3.Database, table: string): boolean {
  const row = handle
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(table) as { sql: string } | undefined
  return /\bAUTOINCREMENT\b/i.test(row?.sql ?? '')
}

function loaderOn(handle: BetterSqlite3.Database): TableLoader {
  registerLineFunctions(handle)
  const inserts = new Map<string, BetterSqlite3.Statement>()
  return {
    async clear(tables) {
      for (const table of tables) handle.prepare(`DELETE FROM ${quote(table)}`).run()
    },
    async insert(table, columns, rows) {
      let statement = inserts.get(table)
      if (!statement) {
        statement = handle.prepare(
          `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns
            .map(() => '?')
            .join(', ')})`,
        )
        inserts.set(table, statement)
      }
      for (const row of rows) statement.run(row.map(toSqliteValue))
    },
    async update(table, key, id, column, value) {
      handle
        .prepare(`UPDATE ${quote(table)} SET ${quote(column)} = ? WHERE ${quote(key)} = ?`)
        .run(toSqliteValue(value), toSqliteValue(id))
    },
    rows: (sql, batchSize) => streamRows(handle, sql, batchSize),
    arrays: (sql, batchSize) => streamRows<unknown[]>(handle, sql, batchSize, true),
    async advanceIdCounters(keys, counters) {
      for (const { table, column } of keys) {
        if (!usesAutoincrement(handle, table)) continue
        const { top } = handle
          .prepare(`SELECT MAX(${quote(column)}) AS top FROM ${quote(table)}`)
          .get() as { top: number | null }
        const value = Math.max(top ?? 0, counters[table] ?? 0)
        if (value === 0) continue
        const updated = handle
          .prepare('UPDATE sqlite_sequence SET seq = ? WHERE name = ?')
          .run(value, table)
        if (updated.changes === 0) {
          handle.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(table, value)
        }
      }
    },
  }
}

function readerOn(handle: BetterSqlite3.Database): SnapshotReader {
  registerLineFunctions(handle)
  return {
    rows: (sql, batchSize) => streamRows(handle, sql, batchSize),
    arrays: (sql, batchSize) => streamRows<unknown[]>(handle, sql, batchSize, true),
    async idCounters(keys: readonly TableKey[]) {
      const hasSequence = handle
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
        .get()
      if (!hasSequence) return {}
      const rows = handle.prepare('SELECT name, seq FROM sqlite_sequence').all() as {
        name: string
        seq: number
      }[]
      const wanted = new Set(keys.map((k) => k.table))
      return Object.fromEntries(
        rows.filter((r) => wanted.has(r.name)).map((r) => [r.name, Number(r.seq)]),
      )
    },
  }
}

/** The FTS5 tables whose external content is one of `tables`. */
function searchIndexesOf(handle: BetterSqlite3.Database, tables: ReadonlySet<string>): string[] {
  const virtual = handle
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'",
    )
    .all() as { name: string; sql: string }[]
  return virtual
    .filter((v) => {
      const content = /content='([^']+)'/.exec(v.sql)?.[1]
      return content !== undefined && tables.has(content)
    })
    .map((v) => v.name)
}

/**
 * sqliteTransfer: snapshots are a read transaction on a read-only handle of their own (the
 * store's handle may be writing meanwhile); loads run on the store's handle in one IMMEDIATE
 * transaction, the triggers and plain indexes dropped inside it and created again before it
 * commits (SQLite has no switch that turns triggers off).
 */
export const sqliteTransfer: EngineTransfer = {
  async foreignKeys(db: Database): Promise<ForeignKey[]> {
    const tables = await db.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    const keys: ForeignKey[] = []
    for (const { name } of tables) {
      const rows = await db.query<{ table: string; from: string; to: string | null }>(
        'SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)',
        [name],
      )
      for (const r of rows) {
        keys.push({
          table: name,
          column: r.from,
          references: r.table,
          referencedColumn: r.to ?? '',
        })
      }
    }
    return keys
  },

  orderTerm: (column, kind) =>
    kind === 'text' || kind === 'json' || kind === 'timestamp'
      ? `${quote(column)} COLLATE BINARY`
      : quote(column),

  lineFragment: (column, kind) => sqliteLineFragment(column, kind),
  utf8: (text) => `CAST(${text} AS BLOB)`,

  async snapshot(db, fn) {
    const own = db.location !== ':memory:'
    const handle = own
      ? new BetterSqlite3(db.location, { readonly: true, fileMustExist: true })
      : db.sqliteHandle!
    try {
      if (own) {
        handle.pragma('query_only = ON')
        // As the store's own handles: sorts (an export page's lines in key order) in memory.
        handle.pragma(SQLITE_PRAGMAS.find((p) => p.startsWith('temp_store'))!)
      }
      handle.exec('BEGIN')
      // The first read of a deferred transaction fixes its snapshot.
      handle.prepare('SELECT COUNT(*) FROM sqlite_master').get()
      try {
        return await fn(readerOn(handle))
      } finally {
        handle.exec('COMMIT')
      }
    } finally {
      if (own) handle.close()
    }
  },

  async load(db, tables, fn) {
    const handle = db.sqliteHandle
    if (!handle) throw new Error('a SQLite load needs a SQLite database')
    await beginImmediate(handle)
    try {
      const names = new Set(tables)
      const triggers = (
        handle
          .prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
          .all() as { name: string; tbl_name: string; sql: string }[]
      ).filter((t) => names.has(t.tbl_name))
      // Plain indexes are built once over the loaded rows, cheaper than kept row by row.
      const indexes = (
        handle
          .prepare(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
          )
          .all() as { name: string; tbl_name: string; sql: string }[]
      ).filter((i) => names.has(i.tbl_name) && !/^\s*CREATE\s+UNIQUE\b/i.test(i.sql))
      for (const t of triggers) handle.exec(`DROP TRIGGER ${quote(t.name)}`)
      for (const i of indexes) handle.exec(`DROP INDEX ${quote(i.name)}`)
      const result = await fn(loaderOn(handle))
      for (const i of indexes) handle.exec(i.sql)
      for (const t of triggers) handle.exec(t.sql)
      // The triggers that keep full-text indexes in step were off: index the loaded rows.
      for (const index of searchIndexesOf(handle, names))
        handle.exec(sqliteRebuildSearchIndex(index))
      handle.exec('COMMIT')
      return result
    } catch (error) {
      if (handle.inTransaction) handle.exec('ROLLBACK')
      throw db.translateError(error)
    }
  },

  query: (db, query) => runSqliteQuery(db.location, query),
}
