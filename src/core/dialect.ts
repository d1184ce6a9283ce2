import type { RawBuilder, SelectQueryBuilder } from 'kysely'
import type { EngineName } from './engines/engine.js'
import type { SearchDefinition } from './search/define.js'
import type { SearchTerm } from './search/query.js'

/**
 * The SQL that differs between SQLite and PostgreSQL, as one contract: each engine's dialect
 * (engines/<engine>/dialect.ts) implements it. Migrations and stores ask a `SqlDialect` for a
 * fragment instead of asking which engine they run on.
 */
export type { EngineName }
export { sqliteDialect } from './engines/sqlite/dialect.js'
export { postgresDialect } from './engines/postgres/dialect.js'
export { dialectFor } from './engines/index.js'

/** A column type as a seed declares it; the dialect maps it to what fits the engine. */
export type SeedType =
  'INTEGER' | 'TEXT' | 'REAL' | 'BOOLEAN' | 'JSON' | 'DATETIME' | 'TIMESTAMP' | 'TIMESTAMPTZ'

/** TriggerSpec describes a row trigger whose body is plain SQL valid on both engines. */
export interface TriggerSpec {
  name: string
  table: string
  timing: 'AFTER'
  /** `INSERT`, `UPDATE`, `DELETE` or `UPDATE OF col[, col]`. */
  event: string
  /** A condition on NEW/OLD, without the WHEN keyword. */
  when?: string
  /** Statements referring to NEW and OLD, without trailing semicolons. */
  body: string[]
}

/**
 * StatementTriggerSpec describes a trigger run once per statement, after it, whose body reads
 * the statement's rows as transition tables: `new_rows` (INSERT, UPDATE) and `old_rows`
 * (UPDATE, DELETE).
 */
export interface StatementTriggerSpec {
  name: string
  table: string
  event: 'INSERT' | 'UPDATE' | 'DELETE'
  /** Statements reading new_rows and old_rows, without trailing semicolons. */
  body: string[]
}

/** SequenceSpec names a per-group numbering trigger: see SqlDialect.sequenceTrigger. */
export interface SequenceSpec {
  name: string
  table: string
  column: string
  groupBy: string
}

/** A list's query narrowed to the rows a search matches (SqlDialect.narrowToMatches). */
export interface SearchNarrowing {
  /** The query with only the matching rows; its select list as it was. */
  query: SelectQueryBuilder<any, any, any>
  /** The matching row's key as the search index holds it: order and bound matches by it. */
  key: RawBuilder<number>
  /** The condition that narrows: what a row must satisfy to match. */
  match: RawBuilder<boolean>
  /**
   * Whether the search index hands matches out in key order, so that "the newest N matches"
   * reads N of them (SQLite's FTS5); else newestMatches finds them itself (PostgreSQL's GIN
   * index returns a bitmap of every match).
   */
  keyOrdered: boolean
}

export interface SqlDialect {
  readonly name: EngineName
  /** `INTEGER PRIMARY KEY AUTOINCREMENT` or an identity column. */
  readonly autoIncrementPrimaryKey: string
  /** Maps a seed's declared type to the engine's type (seed types are kept verbatim on SQLite). */
  type(seedType: SeedType): string
  /** The literal for a boolean default (`0`/`1` on SQLite, `false`/`true` on PostgreSQL). */
  booleanLiteral(value: boolean): string
  /** Default expression for "now" in a timestamp column. */
  readonly currentTimestamp: string
  /** Default expression for "now" in a TEXT column (seed 000 keeps text timestamps). */
  readonly currentTimestampText: string
  /**
   * A timestamp column a seed declares TEXT with `DEFAULT datetime('now')` (seed 000): `TEXT`
   * with that default on SQLite, TIMESTAMPTZ with CURRENT_TIMESTAMP on PostgreSQL, where a real
   * timestamp type keeps one format for defaults, triggers and bound Dates.
   */
  readonly textTimestamp: { readonly type: string; readonly currentDefault: string }
  /** A 64-bit integer column (byte sizes): INTEGER is 64-bit on SQLite but 32-bit on PostgreSQL. */
  readonly bigIntegerType: string
  /**
   * The order of an index column that serves `ORDER BY col DESC NULLS LAST`: SQLite's DESC
   * already puts NULLs last (and refuses NULLS LAST in an index); PostgreSQL's puts them first.
   */
  readonly indexDescNullsLast: string
  /**
   * Statements creating a trigger that sets `column` to now on every update of a row that does
   * not set it itself. SQLite's RETURNING shows a row before AFTER triggers run, so an UPDATE
   * … RETURNING should also set the column (to CURRENT_TIMESTAMP) to return the new value.
   */
  touchTrigger(name: string, table: string, column?: string): string[]
  /** Statements creating a trigger from a portable spec. */
  trigger(spec: TriggerSpec): string[]
  /**
   * Statements creating a statement trigger (dropped with dropTrigger); absent where the engine
   * has none (SQLite).
   */
  statementTrigger?(spec: StatementTriggerSpec): string[]
  /** Statements dropping a trigger (and its function on PostgreSQL). */
  dropTrigger(name: string, table: string): string[]
  /**
   * Statements creating a trigger that numbers `column` 1, 2, 3… within each value of `groupBy`:
   * a row inserted with `column` = 0 (declare the column `NOT NULL DEFAULT 0`) gets one more than
   * the highest number of its group. Rows inserted with a number keep it. Drop with dropTrigger.
   */
  sequenceTrigger(spec: SequenceSpec): string[]
  /** An SQL expression: the current time minus `days` days, comparable with timestamp columns. */
  daysAgo(days: number): string
  /** Whether a claim subquery can lock and skip rows (`FOR UPDATE SKIP LOCKED`). */
  readonly supportsSkipLocked: boolean
  /** Whether a WITH query may hold an UPDATE … RETURNING whose rows an INSERT reads. */
  readonly supportsWritableCte: boolean
  /** The placeholder of the `index`-th (1-based) parameter in raw SQL. */
  parameter(index: number): string
  /**
   * A statement that takes a lock named `key` until the transaction ends, or undefined where the
   * transaction itself already serialises writers.
   */
  transactionLock(key: string): string | undefined
  /**
   * An SQL expression numbering the writing connection 0 … `shards` − 1, so that concurrent
   * writers spread their updates over that many rows instead of queueing on one (summary
   * tables); `0` where the database lets one writer write at a time (SQLite).
   */
  writerShard(shards: number): string
  /**
   * Statements, run inside a write transaction, after which the next id `table` generates
   * follows its highest committed id: on PostgreSQL the table is locked against other writers
   * until the transaction ends and its sequence set back (a rolled-back transaction leaves its
   * sequence advanced); none on SQLite, where the counter rolls back with the transaction.
   */
  continueIds(table: string): string[]
  /** A condition: the JSON array in `column` contains the string `value`. */
  jsonArrayContains(column: string, value: string): RawBuilder<boolean>
  /**
   * Functions that let the seeds' SQLite-flavoured SQL run unchanged on PostgreSQL (`datetime`,
   * `round(double precision, integer)`), created in the store's schema; none on SQLite.
   */
  compatibilityFunctions(): string[]
  /** Statements dropping what compatibilityFunctions created. */
  dropCompatibilityFunctions(): string[]
  /**
   * Statements creating the full-text index of a searchable table and indexing the rows already
   * there (SQLite: an FTS5 table kept in step by triggers; PostgreSQL: a GIN tsvector index).
   */
  searchIndex(def: SearchDefinition): string[]
  /** Statements dropping what searchIndex created. */
  dropSearchIndex(def: SearchDefinition): string[]
  /**
   * Statements that make searches read a stored index of the text instead of computing it
   * again per row (PostgreSQL: the expression index becomes the generated column
   * `search_vector` with a GIN index on it; none on SQLite, whose FTS5 table already is one).
   */
  storeSearchVector(def: SearchDefinition): string[]
  /** Statements undoing storeSearchVector. */
  dropStoredSearchVector(def: SearchDefinition): string[]
  /**
   * `query` (a select from `def.table` alone) narrowed to the rows whose searchable columns hold
   * every term, with the key and rank expressions of a match. The terms are bound, never spliced.
   */
  narrowToMatches(
    query: SelectQueryBuilder<any, any, any>,
    def: SearchDefinition,
    terms: readonly SearchTerm[],
  ): SearchNarrowing
  /**
   * Statements turning every 32-bit integer column of the store's tables into a 64-bit one
   * (ids, references, counts, seeds), keeping views and triggers that read them. None on
   * SQLite, whose INTEGER is already 64-bit.
   */
  widenIntegers(): string[]
  /**
   * widenIntegers undone: every 64-bit integer column back to 32 bits, except `keep`
   * (`table.column`, the columns created 64-bit).
   */
  narrowIntegers(keep: readonly string[]): string[]
}
