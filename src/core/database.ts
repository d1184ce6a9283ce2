import { CompiledQuery, Kysely, type Transaction } from 'kysely'
import type BetterSqlite3 from 'better-sqlite3'
import type pg from 'pg'
import type { EngineName, SqlDialect } from './dialect.js'
import { engineFor, type Engine, type EngineConnection } from './engines/index.js'
import { translateDatabaseError } from './errors.js'

/** A statement as sent to the engine. */
export interface CapturedQuery {
  sql: string
  parameters: readonly unknown[]
}

/** A query runner: the database itself or a transaction inside it. */
export type Executor<DB = any> = Kysely<DB> | Transaction<DB>

export interface OpenOptions {
  /** PostgreSQL schema when the location does not name one with `?schema=`. */
  schema: string
  /** Named CHECK constraints → column, for errors that name the column. */
  columnsByConstraint?: Readonly<Record<string, string>>
  /** Open a SQLite file read-only (it must exist). */
  readonly?: boolean
  /** Connections in the PostgreSQL pool. */
  poolSize?: number
  /**
   * Create what is missing (default true). With false a missing SQLite file is not created and a
   * missing PostgreSQL schema is not made: for reading a store's state without changing it.
   */
  create?: boolean
}

export { isPostgresUrl } from './engines/postgres/location.js'

/** redactLocation hides a password in a URL so a location can be printed. */
export function redactLocation(location: string): string {
  return engineFor(location).location.redacted
}

/**
 * Database is one open store database: a SQLite file or a schema on PostgreSQL, with one Kysely
 * instance over it. `close` releases the file handle or the pool.
 */
export class Database<DB = any> {
  readonly engine: EngineName
  /**
   * The engine object: everything that differs between the engines, for the engine-independent
   * core to ask (see engines/engine.ts).
   */
  readonly engineImpl: Engine
  readonly dialect: SqlDialect
  readonly kysely: Kysely<DB>
  /** The SQLite file path, or the PostgreSQL URL with its password hidden. */
  readonly location: string
  /** The PostgreSQL schema; undefined on SQLite. */
  readonly schema: string | undefined
  readonly #connection: EngineConnection
  readonly #columnsByConstraint: Readonly<Record<string, string>>
  #closed = false
  #captured: CapturedQuery[] | undefined

  private constructor(
    engine: Engine,
    connection: EngineConnection,
    columnsByConstraint: Readonly<Record<string, string>> = {},
  ) {
    this.engine = engine.name
    this.engineImpl = engine
    this.dialect = engine.dialect
    this.kysely = new Kysely<DB>({
      dialect: connection.kyselyDialect,
      log: (event) => {
        if (this.#captured) this.record(event.query.sql, event.query.parameters)
      },
    })
    this.location = connection.location
    this.schema = connection.schema
    this.#connection = connection
    this.#columnsByConstraint = columnsByConstraint
  }

  /**
   * captureQueries runs `fn` and returns, besides its result, every statement sent to the
   * database meanwhile (SQL text and parameters): doctor EXPLAINs what a named query really runs.
   */
  async captureQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: CapturedQuery[] }> {
    const queries: CapturedQuery[] = []
    this.#captured = queries
    try {
      return { result: await fn(), queries }
    } finally {
      this.#captured = undefined
    }
  }

  /** Whether captureQueries is running: statements sent outside Kysely must then go through it. */
  get capturing(): boolean {
    return this.#captured !== undefined
  }

  /** Kysely's log hook: records statements while captureQueries runs. */
  protected record(sqlText: string, parameters: readonly unknown[]): void {
    this.#captured?.push({ sql: sqlText, parameters })
  }

  /**
   * open connects to a location: a `postgres://` URL (the schema is created if missing) or a
   * SQLite file path (created with its folder if missing, unless read-only).
   */
  static async open<DB>(location: string, options: OpenOptions): Promise<Database<DB>> {
    const { engine, location: parsed } = engineFor(location)
    const connection = await engine.connect(parsed, options)
    return new Database<DB>(engine, connection, options.columnsByConstraint)
  }

  /**
   * exists tells whether a store database is at `location` (the SQLite file, or the schema on
   * PostgreSQL), without creating anything.
   */
  static async exists(location: string, schema: string): Promise<boolean> {
    const { engine, location: parsed } = engineFor(location)
    return engine.exists(parsed, schema)
  }

  /**
   * drop deletes a store database entirely: the SQLite file with its WAL and shared-memory
   * files, or the PostgreSQL schema with everything in it. Idempotent.
   */
  static async drop(location: string, schema: string): Promise<void> {
    const { engine, location: parsed } = engineFor(location)
    await engine.drop(parsed, schema)
  }

  /**
   * transaction runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite) and commits, or rolls
   * back and rethrows (constraint errors translated to ValidationError/ConflictError).
   */
  async transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    try {
      return await this.kysely.transaction().execute(fn)
    } catch (error) {
      throw this.translateError(error)
    }
  }

  /** run executes `fn` against the database, translating constraint errors. */
  async run<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
    try {
      return await fn(this.kysely)
    } catch (error) {
      throw this.translateError(error)
    }
  }

  /** query runs one SQL statement as written (with `?` on SQLite, `$1` on PostgreSQL). */
  async query<Row = Record<string, unknown>>(
    text: string,
    parameters: readonly unknown[] = [],
    executor: Executor<DB> = this.kysely,
  ): Promise<Row[]> {
    try {
      const result = await executor.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))
      return result.rows as Row[]
    } catch (error) {
      throw this.translateError(error)
    }
  }

  translateError(error: unknown): unknown {
    return translateDatabaseError(error, this.#columnsByConstraint)
  }

  /**
   * analyze refreshes the planner's statistics (ANALYZE, on both engines). Run it after bulk
   * loads: without statistics SQLite picks the wrong index for the seeds' own queries.
   */
  async analyze(): Promise<void> {
    await this.query('ANALYZE')
  }

  /** sizeBytes is the file's size (SQLite, without WAL) or the schema's total relation size. */
  async sizeBytes(): Promise<number> {
    return this.engineImpl.sizeBytes(this)
  }

  /** The better-sqlite3 handle, for core operations that need SQLite's own API (backup). */
  get sqliteHandle(): BetterSqlite3.Database | undefined {
    return this.#connection.sqliteHandle
  }

  /** The node-postgres pool, for core operations that need a dedicated connection. */
  get pgPool(): pg.Pool | undefined {
    return this.#connection.pgPool
  }

  /**
   * close releases the database. On SQLite it first runs `PRAGMA optimize`, which keeps the
   * planner's statistics fresh. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#connection.beforeClose?.()
    await this.kysely.destroy()
  }
}
