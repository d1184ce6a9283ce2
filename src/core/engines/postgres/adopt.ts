import type { EngineAdoption, SchemaObject } from '../../adopt/engine.js'
import { RowDigester } from '../../adopt/digest.js'
import type { Database } from '../../database.js'
import { quoteIdentifier } from './connection.js'

const quote = quoteIdentifier

/** The schema a store's old tables move to while adopt rebuilds them (dropped before commit). */
const asideSchema = (db: Database) => `genmedia_adopt_${db.schema}`

/**
 * Type families whose values keep their meaning from one member to another: a copy between
 * them converts without loss, and one that would not fit (a bigint into an integer) fails the
 * copy, which adopt then reports.
 */
const FAMILIES: readonly (readonly string[])[] = [
  ['smallint', 'integer', 'bigint'],
  ['real', 'double precision', 'numeric'],
  ['text', 'character varying', 'character'],
  ['json', 'jsonb'],
]

/**
 * postgresAdoption takes over tables a pipeline made in a PostgreSQL schema. PostgreSQL
 * changes a schema inside a transaction, so the rebuild is one transaction (a dry run rolls it
 * back) and a rename would drag the other tables' foreign keys along: the old tables move
 * instead, with their keys, indexes and sequences, into a schema of their own, from which the
 * rows are copied and which is dropped before commit. Foreign keys are checked as each row goes
 * in (genmedia's are not deferrable), so a row whose parent is missing is refused at its copy.
 */
export const postgresAdoption: EngineAdoption = {
  rehearsal: async () => undefined,
  before: [],
  after: [],
  async objects(db, trx) {
    const rows = await db.query<SchemaObject>(
      `SELECT 'index' AS type, i.relname AS name, t.relname AS "table",
              pg_get_indexdef(i.oid) AS sql, i.oid::bigint AS n
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
       WHERE s.nspname = $1
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                         WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
       UNION ALL
       SELECT 'trigger', g.tgname, t.relname, pg_get_triggerdef(g.oid), g.oid::bigint
       FROM pg_trigger g
       JOIN pg_class t ON t.oid = g.tgrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
       WHERE s.nspname = $1 AND NOT g.tgisinternal
       UNION ALL
       SELECT 'view', v.relname, v.relname,
              'CREATE VIEW ' || quote_ident(v.relname) || ' AS ' || pg_get_viewdef(v.oid),
              v.oid::bigint
       FROM pg_class v
       JOIN pg_namespace s ON s.oid = v.relnamespace
       WHERE s.nspname = $1 AND v.relkind = 'v'
       ORDER BY n`,
      [db.schema],
      trx,
    )
    return rows.map((r) => ({ type: r.type, name: r.name, table: r.table, sql: r.sql }))
  },
  dropObject: (object) =>
    object.type === 'trigger'
      ? `DROP TRIGGER IF EXISTS ${quote(object.name)} ON ${quote(object.table)}`
      : `DROP ${object.type.toUpperCase()} IF EXISTS ${quote(object.name)}`,
  setAside: (db, table) => [
    `CREATE SCHEMA IF NOT EXISTS ${quote(asideSchema(db))}`,
    `ALTER TABLE ${quote(table)} SET SCHEMA ${quote(asideSchema(db))}`,
  ],
  asideName: (db, table) => `${quote(asideSchema(db))}.${quote(table)}`,
  dropAside: (db) => [`DROP SCHEMA IF EXISTS ${quote(asideSchema(db))} CASCADE`],
  addColumn(table, column) {
    const parts = [`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(column.name)} ${column.type}`]
    if (column.default !== null) parts.push(`DEFAULT ${column.default}`)
    if (column.notNull && column.default !== null) parts.push('NOT NULL')
    return parts.join(' ')
  },
  sameMeaning(actual, expected) {
    const a = actual.toLowerCase()
    const e = expected.toLowerCase()
    return a === e || FAMILIES.some((f) => f.includes(a) && f.includes(e))
  },
  async digest(db, trx, from, columns) {
    const digester = new RowDigester()
    const list = columns.map(quote).join(', ')
    const rows = await db.query<Record<string, unknown>>(`SELECT ${list} FROM ${from}`, [], trx)
    for (const row of rows) digester.add(columns.map((c) => row[c]))
    return digester.result
  },
  async keyCounters(db, trx) {
    // Every table whose key a sequence (SERIAL or IDENTITY) issues; rows copied with their ids
    // do not move a sequence on PostgreSQL, so each is set after the copy.
    const rows = await db.query<{ table: string; last: number | string | null }>(
      `SELECT t.relname AS "table", q.last_value AS last
       FROM pg_depend d
       JOIN pg_class q0 ON q0.oid = d.objid AND q0.relkind = 'S'
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_namespace s ON s.oid = t.relnamespace
       JOIN pg_sequences q ON q.schemaname = s.nspname AND q.sequencename = q0.relname
       WHERE s.nspname = $1 AND d.classid = 'pg_class'::regclass
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')`,
      [db.schema],
      trx,
    )
    return new Map(rows.map((r) => [r.table, Number(r.last ?? 0)]))
  },
  async raiseKeyCounter(db, trx, table, value) {
    const [key] = await db.query<{ column: string; sequence: string }>(
      `SELECT a.attname AS "column", pg_get_serial_sequence($1, a.attname) AS sequence
       FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
         AND pg_get_serial_sequence($1, a.attname) IS NOT NULL`,
      [quote(table)],
      trx,
    )
    if (!key) return
    await db.query(
      `SELECT setval($1, GREATEST($2::bigint, (SELECT MAX(${quote(key.column)}) FROM ${quote(table)})))
       WHERE GREATEST($2::bigint, (SELECT MAX(${quote(key.column)}) FROM ${quote(table)})) > 0`,
      [key.sequence, value],
      trx,
    )
  },
  // Foreign keys are checked as rows go in: none can be broken afterwards.
  foreignKeyViolations: async () => [],
  integrity: async () => [],
}
