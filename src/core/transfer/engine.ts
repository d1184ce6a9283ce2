import type { Database } from '../database.js'
import type { ColumnKind } from '../table.js'
import type { LineFragment } from './lines.js'

/** ForeignKey is one column of a table that refers to a column of another (or the same) table. */
export interface ForeignKey {
  readonly table: string
  readonly column: string
  readonly references: string
  readonly referencedColumn: string
}

/** A raw row as the driver returns it: the codec decodes it. */
export type RawRow = Record<string, unknown>

/**
 * SnapshotReader reads one consistent snapshot of a store: every read sees the same committed
 * state, whatever other connections write meanwhile, and nothing can be written through it.
 */
export interface SnapshotReader {
  /**
   * rows streams the result of one SELECT in batches of at most `batchSize` rows, holding only
   * one batch in memory (a cursor, never the whole result).
   */
  rows(sql: string, batchSize: number): AsyncIterable<RawRow[]>
  /** arrays is `rows` with each row the array of its values, in the SELECT's order. */
  arrays(sql: string, batchSize: number): AsyncIterable<unknown[][]>
  /** The highest id each AUTOINCREMENT or identity key has issued (absent: none kept). */
  idCounters(keys: readonly TableKey[]): Promise<Record<string, number>>
}

/** TableKey names a table and its generated integer key. */
export interface TableKey {
  readonly table: string
  readonly column: string
}

/**
 * TableLoader writes into a store inside one transaction with the store's triggers off (a copy
 * writes rows as they are: counters and derived tables kept by triggers are copied, not
 * recomputed). Nothing is visible to others until the load commits.
 */
export interface TableLoader {
  /** Deletes every row of `tables`, children first. */
  clear(tables: readonly string[]): Promise<void>
  /** Inserts rows, each the values of `columns` in order, as the codec encoded them. */
  insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>
  /** Sets `column` of the row whose key `key` is `id`. */
  update(table: string, key: string, id: unknown, column: string, value: unknown): Promise<void>
  /** rows streams a SELECT inside the load's transaction (to verify what was written). */
  rows(sql: string, batchSize: number): AsyncIterable<RawRow[]>
  /** arrays is `rows` with each row the array of its values, in the SELECT's order. */
  arrays(sql: string, batchSize: number): AsyncIterable<unknown[][]>
  /**
   * advanceIdCounters makes each key's next generated id follow both the highest id in its
   * table and `counters[table]` (the highest the source ever issued).
   */
  advanceIdCounters(keys: readonly TableKey[], counters: Record<string, number>): Promise<void>
}

/** ReadOnlyQuery is one user statement run read-only with a time limit. */
export interface ReadOnlyQuery {
  readonly sql: string
  readonly timeoutMs: number
  /** Receives the column names once, before any row. */
  onColumns(columns: string[]): void
  /** Receives rows in batches as they come, each row its values in column order. */
  onRows(rows: unknown[][]): Promise<void> | void
}

/**
 * EngineTransfer is what copy, export and `genmedia sql` need that differs between engines.
 */
export interface EngineTransfer {
  /** The foreign keys among the store's tables, as the engine reports them. */
  foreignKeys(db: Database): Promise<ForeignKey[]>
  /**
   * orderTerm is `column` as an ORDER BY term that sorts the same on every engine (text by
   * its bytes, whatever the database's collation).
   */
  orderTerm(column: string, kind: ColumnKind): string
  /**
   * lineFragment is SQL giving the JSON text of `column` (of `kind`, stored as the engine's
   * `type`) in an export line (LineQuery), or undefined where JavaScript writes it. It runs on
   * the connections of `snapshot` and `load` (SQLite's call functions genmedia gives them).
   */
  lineFragment(column: string, kind: ColumnKind, type: string): LineFragment | undefined
  /** utf8 is SQL giving the text `text` (SQL) as its UTF-8 bytes, read as a Buffer. */
  utf8(text: string): string
  /** snapshot runs `fn` on one read-only, consistent snapshot of the store. */
  snapshot<T>(db: Database, fn: (reader: SnapshotReader) => Promise<T>): Promise<T>
  /**
   * load runs `fn` in one write transaction with triggers off on `tables` and commits when it
   * returns; when it throws (or the process dies) nothing of it is kept.
   */
  load<T>(
    db: Database,
    tables: readonly string[],
    fn: (loader: TableLoader) => Promise<T>,
  ): Promise<T>
  /**
   * query runs one user statement read-only, refusing any statement that writes, and stops it
   * at `timeoutMs` (QueryRefusedError, QueryTimeoutError).
   */
  query(db: Database, query: ReadOnlyQuery): Promise<void>
}
