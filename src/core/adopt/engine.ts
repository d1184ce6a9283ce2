import type { Database, Executor } from '../database.js'
import type { ColumnInfo } from '../inspect.js'

/** SchemaObject is an index, trigger or view with the statement that creates it again. */
export interface SchemaObject {
  type: 'index' | 'trigger' | 'view'
  name: string
  /** The table it belongs to (a view: itself). */
  table: string
  sql: string
}

/** RowDigest is a table's row count and order-independent checksum over some of its columns. */
export interface RowDigest {
  rows: number
  /** The sum, modulo 2^64, of a hash of each row's typed values. */
  sum: bigint
}

/** A row that points to a parent that is not there. */
export interface ForeignKeyViolation {
  table: string
  /** The row's key, in column `keyColumn` (SQLite: its rowid). */
  key: string | number
  keyColumn: string
  parent: string
  /** The column that points there. */
  column: string
}

/**
 * EngineAdoption is what `genmedia adopt` does differently on one engine. Every method that
 * takes an executor runs inside the adoption's one transaction.
 */
export interface EngineAdoption {
  /**
   * rehearsal copies the database somewhere a dry run may change freely, or returns undefined
   * where a rolled-back transaction leaves the database as it was.
   */
  rehearsal(location: string): Promise<{ location: string; dispose(): Promise<void> } | undefined>
  /** Statements run on the connection before the transaction begins, and after it ends. */
  readonly before: readonly string[]
  readonly after: readonly string[]
  /** Indexes (explicitly created), triggers and views with their creating statements. */
  objects(db: Database, trx: Executor): Promise<SchemaObject[]>
  /** The statement that drops an object. */
  dropObject(object: SchemaObject): string
  /** The statements that move a table out of the way of genmedia's (rows, keys and all). */
  setAside(db: Database, table: string): string[]
  /** The quoted name a table set aside is read from. */
  asideName(db: Database, table: string): string
  /** The statements that drop the tables set aside. */
  dropAside(db: Database, tables: readonly string[]): string[]
  /** The statement that adds a user's column, as it was declared, to a table. */
  addColumn(table: string, column: ColumnInfo): string
  /** Whether a column of the database's type `actual` keeps its values' meaning as `expected`. */
  sameMeaning(actual: string, expected: string): boolean
  /** Row count and checksum over `columns` of the rows of `from` (a quoted table name). */
  digest(db: Database, trx: Executor, from: string, columns: readonly string[]): Promise<RowDigest>
  /**
   * sameRows compares genmedia's `table` with the table set aside in one pass of the engine's
   * own: when each row set aside has its row in `table`, paired by the engine's row identity,
   * holding the same values of the same types in `columns` (numbers by value), and `table` has
   * no other row, it returns their number; otherwise, or where it cannot pair the rows,
   * undefined, and the digests of both decide.
   */
  sameRows?(
    db: Database,
    trx: Executor,
    table: string,
    columns: readonly string[],
  ): Promise<number | undefined>
  /** The key counters of auto-incrementing tables, by table. */
  keyCounters(db: Database, trx: Executor): Promise<Map<string, number>>
  /** Raises the key counter of `table` to at least `value`. */
  raiseKeyCounter(db: Database, trx: Executor, table: string, value: number): Promise<void>
  /** Rows whose parent is missing. */
  foreignKeyViolations(db: Database, trx: Executor): Promise<ForeignKeyViolation[]>
  /** What the engine's integrity check finds wrong (none: []). */
  integrity(db: Database, trx: Executor): Promise<string[]>
}
