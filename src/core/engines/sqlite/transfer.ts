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
import { isBusy, SQLITE_BUSY_DEADLINE_MS, toSqliteValue } from './connection.js'
import { runSqliteQuery } from './query.js'
import { sqliteRebuildSearchIndex } from './search.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

function* batches(statement: BetterSqlite3.Statement, batchSize: number): Generator<RawRow[]> {
  let batch: RawRow[] = []
  for (const row of statement.iterate() as IterableIterator<RawRow>) {
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
async function* streamRows(
  handle: BetterSqlite3.Database,
  sql: string,
  batchSize: number,
): AsyncGenerator<RawRow[]> {
  for (const batch of batches(handle.prepare(sql), batchSize)) {
    yield batch
    await new Promise((resolve) => setImmediate(resolve))
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
  return {
    rows: (sql, batchSize) => streamRows(handle, sql, batchSize),
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

  async snapshot(db, fn) {
    const own = db.location !== ':memory:'
    const handle = own
      ? new BetterSqlite3(db.location, { readonly: true, fileMustExist: true })
      : db.sqliteHandle!
    try {
      if (own) handle.pragma('query_only = ON')
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
