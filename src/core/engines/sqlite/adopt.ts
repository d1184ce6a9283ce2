import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { EngineAdoption, SchemaObject } from '../../adopt/engine.js'
import { RowDigester } from '../../adopt/digest.js'
import type { Database } from '../../database.js'
import { SQLITE_PRAGMAS } from './connection.js'
import { sqliteFilePath } from './location.js'

/** The page cache while adopting, in KiB. */
const ADOPTION_CACHE_KIB = 1024 * 1024

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The prefix of a table's name while adopt rebuilds it (dropped before commit). */
const OLD_PREFIX = 'genmedia_adopt_old_'

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, 3.1). */
export function sqliteAffinity(type: string): 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC' {
  const t = type.toUpperCase()
  if (t.includes('INT')) return 'INTEGER'
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT'
  if (t === '' || t.includes('BLOB')) return 'BLOB'
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL'
  return 'NUMERIC'
}

/**
 * sqliteAdoption rebuilds tables as SQLite's documented procedure for schema changes ALTER TABLE
 * cannot make has it (https://sqlite.org/lang_altertable.html#otheralter): foreign keys off
 * and the legacy rename (references are not rewritten) outside the transaction; inside it, the
 * old table moved aside, the new one created, rows copied with their keys, the old one
 * dropped, indexes, triggers and views created again, and `foreign_key_check` before commit.
 */
export const sqliteAdoption: EngineAdoption = {
  async rehearsal(location) {
    const dir = await mkdtemp(join(tmpdir(), 'genmedia-adopt-'))
    const copy = join(dir, 'rehearsal.db')
    // The online backup of a read-only handle: a consistent copy, the original untouched.
    const source = new BetterSqlite3(sqliteFilePath(location), {
      readonly: true,
      fileMustExist: true,
    })
    try {
      await source.backup(copy)
    } finally {
      source.close()
    }
    return { location: copy, dispose: () => rm(dir, { recursive: true, force: true }) }
  },
  // A rebuild reads every page several times over (the copy, each index made, the search
  // index's rebuild, quick_check): with the everyday cache of 64 MB an adopted million-row table
  // was read from disk again at each step. A page cache of up to 1 GiB (taken as pages are read)
  // halved adoption's time (docs/adopt.md). Temporary files allowed (temp_store = FILE, not
  // genmedia's MEMORY): only then does SQLite's sorter gather CREATE INDEX's records in one
  // buffer (up to 512 MiB with this cache, in files past that), where in memory mode it kept
  // each of a million records in an allocation of its own and sorted them scattered. The twelve
  // indexes of a million images took 11 s instead of 15.
  before: [
    'PRAGMA foreign_keys = OFF',
    'PRAGMA legacy_alter_table = ON',
    `PRAGMA cache_size = -${ADOPTION_CACHE_KIB}`,
    'PRAGMA temp_store = FILE',
  ],
  after: [
    `PRAGMA ${SQLITE_PRAGMAS.find((p) => p.startsWith('temp_store'))!}`,
    `PRAGMA ${SQLITE_PRAGMAS.find((p) => p.startsWith('cache_size'))!}`,
    'PRAGMA legacy_alter_table = OFF',
    'PRAGMA foreign_keys = ON',
  ],
  async objects(db, trx) {
    const rows = await db.query<{
      type: SchemaObject['type']
      name: string
      tbl_name: string
      sql: string
    }>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL ORDER BY rowid",
      [],
      trx,
    )
    return rows.map((r) => ({ type: r.type, name: r.name, table: r.tbl_name, sql: r.sql }))
  },
  dropObject: (object) => `DROP ${object.type.toUpperCase()} IF EXISTS ${quote(object.name)}`,
  setAside: (_db, table) => [`ALTER TABLE ${quote(table)} RENAME TO ${quote(OLD_PREFIX + table)}`],
  asideName: (_db, table) => quote(OLD_PREFIX + table),
  dropAside: (_db, tables) => tables.map((t) => `DROP TABLE ${quote(OLD_PREFIX + t)}`),
  addColumn(table, column) {
    const parts = [`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(column.name)}`]
    if (column.type) parts.push(column.type)
    if (column.default !== null) parts.push(`DEFAULT ${column.default}`)
    if (column.notNull && column.default !== null) parts.push('NOT NULL')
    return parts.join(' ')
  },
  sameMeaning: (actual, expected) => {
    const a = sqliteAffinity(actual)
    const e = sqliteAffinity(expected)
    // INTEGER, REAL and NUMERIC all keep numbers numbers (5 may be stored as 5.0) and text
    // that is no number text; TEXT and BLOB keep values exactly. A value that would still change
    // (text '5' into a numeric column) is caught by the checksums, and the adoption rolled back.
    const numeric = (x: string) => x === 'INTEGER' || x === 'REAL' || x === 'NUMERIC'
    return a === e || (numeric(a) && numeric(e)) || (e === 'NUMERIC' && a === 'TEXT')
  },
  async digest(db, _trx, from, columns) {
    // The transaction's own connection: better-sqlite3 has one per handle.
    const handle = handleOf(db)
    registerRowDigest(handle)
    const list = columns.map(quote).join(', ')
    const [rows, sum] = handle
      .prepare(`SELECT count(*), ${ROW_DIGEST}(${list}) FROM ${from}`)
      .raw()
      .get() as [number, string]
    return { rows: Number(rows), sum: BigInt(sum) }
  },
  async sameRows(db, _trx, table, columns) {
    const handle = handleOf(db)
    const aside = OLD_PREFIX + table
    if (!hasRowids(handle, table) || !hasRowids(handle, aside)) return undefined
    // Unary plus takes the columns' affinity away, so that the text '5' and the integer 5
    // differ (and 5 and 5.0 do not), and COLLATE BINARY their collation, so that 'A' and 'a'
    // differ in a NOCASE column.
    const same = columns
      .map(quote)
      .map((c) => `+o.${c} IS +n.${c} COLLATE BINARY`)
      .join(' AND ')
    const count = (name: string) => {
      const statement = handle.prepare(`SELECT count(*) FROM ${quote(name)}`).pluck()
      return Number(statement.get())
    }
    const [pairs, differing] = handle
      .prepare(
        `SELECT count(*), total(NOT (${same})) FROM ${quote(aside)} AS o JOIN ${quote(table)} AS n ON n.rowid = o.rowid`,
      )
      .raw()
      .get() as [number, number]
    // Rowids are unique on both sides: as many pairs as rows on each side pair every row.
    const rows = Number(pairs)
    return differing === 0 && rows === count(aside) && rows === count(table) ? rows : undefined
  },
  async keyCounters(db, trx) {
    const exists = await db.query(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
      [],
      trx,
    )
    if (exists.length === 0) return new Map()
    const rows = await db.query<{ name: string; seq: number }>(
      'SELECT name, seq FROM sqlite_sequence',
      [],
      trx,
    )
    return new Map(rows.map((r) => [r.name, Number(r.seq)]))
  },
  async raiseKeyCounter(db, trx, table, value) {
    const exists = await db.query(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
      [],
      trx,
    )
    if (exists.length === 0) return
    await db.query(
      'UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?',
      [value, table, value],
      trx,
    )
  },
  async foreignKeyViolations(db, trx) {
    const rows = await db.query<{ table: string; rowid: number; parent: string; fkid: number }>(
      'PRAGMA foreign_key_check',
      [],
      trx,
    )
    const columns = new Map<string, string>()
    for (const r of rows) {
      const id = `${r.table}:${r.fkid}`
      if (columns.has(id)) continue
      const [fk] = await db.query<{ from: string }>(
        'SELECT "from" FROM pragma_foreign_key_list(?) WHERE id = ? ORDER BY seq',
        [r.table, r.fkid],
        trx,
      )
      columns.set(id, fk?.from ?? '')
    }
    return rows.map((r) => ({
      table: r.table,
      key: r.rowid,
      keyColumn: 'rowid',
      parent: r.parent,
      column: columns.get(`${r.table}:${r.fkid}`) ?? '',
    }))
  },
  async integrity(db, trx) {
    // quick_check reads every page and row as integrity_check does, but does not match each
    // index against its table: the rebuild made those indexes from the rows in this very
    // transaction, and the unique ones refused any duplicate as it went in. On a database of a
    // million rows that is seconds instead of most of the adoption's time.
    const rows = await db.query<{ quick_check: string }>('PRAGMA quick_check', [], trx)
    const found = rows.map((r) => r.quick_check)
    return found.length === 1 && found[0] === 'ok' ? [] : found
  },
}

/**
 * hasRowids tells whether `rowid` names a table's row identity: not in a WITHOUT ROWID table,
 * nor where a column of that name hides it.
 */
function hasRowids(handle: BetterSqlite3.Database, table: string): boolean {
  const listed = handle
    .prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")
    .get(table) as { wr: number } | undefined
  const shadowed = handle
    .prepare("SELECT 1 FROM pragma_table_xinfo(?) WHERE lower(name) = 'rowid'")
    .get(table)
  return listed?.wr === 0 && shadowed === undefined
}

/** The aggregate that digests the rows of a table: `SELECT ${ROW_DIGEST}(a, b, …) FROM t`. */
const ROW_DIGEST = 'genmedia_row_digest'
const withRowDigest = new WeakSet<BetterSqlite3.Database>()

/**
 * registerRowDigest gives a connection the row digest as an aggregate: SQLite reads the rows and
 * hands each one's values straight to RowDigester, with no row object made for each. Integers
 * arrive as bigints, exact past 2^53, so that a large integer turned into a nearby real shows.
 */
function registerRowDigest(handle: BetterSqlite3.Database): void {
  if (withRowDigest.has(handle)) return
  handle.aggregate(ROW_DIGEST, {
    varargs: true,
    directOnly: true,
    safeIntegers: true,
    start: () => new RowDigester(),
    step: (digester: RowDigester, ...values: unknown[]) => {
      digester.add(values)
      return digester
    },
    // The unsigned 64-bit sum does not fit SQLite's signed integer: it comes back as text.
    result: (digester: RowDigester) => digester.result.sum.toString(),
  })
  withRowDigest.add(handle)
}

function handleOf(db: Database): BetterSqlite3.Database {
  const handle = db.sqliteHandle
  if (!handle) throw new Error(`${db.location} has no SQLite handle`)
  return handle
}
