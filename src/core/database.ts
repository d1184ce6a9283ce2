import { existsSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { CompiledQuery, Kysely, type Dialect, type Transaction } from 'kysely'
import type BetterSqlite3 from 'better-sqlite3'
import type pg from 'pg'
import { dialectFor, type EngineName, type SqlDialect } from './dialect.js'
import { createSqliteDialect, openSqliteFile } from './sqlite-engine.js'
import {
  createPostgresDialect,
  createPostgresPool,
  ensureSchema,
  parsePostgresLocation,
  quoteIdentifier,
} from './postgres-engine.js'
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

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location)
}

/** redactLocation hides a password in a URL so a location can be printed. */
export function redactLocation(location: string): string {
  if (!isPostgresUrl(location)) return location
  const url = new URL(location)
  if (url.password) url.password = '***'
  return url.toString()
}

/**
 * Database is one open store database: a SQLite file or a schema on PostgreSQL, with one Kysely
 * instance over it. `close` releases the file handle or the pool.
 */
export class Database<DB = any> {
  readonly engine: EngineName
  readonly dialect: SqlDialect
  readonly kysely: Kysely<DB>
  /** The SQLite file path, or the PostgreSQL URL with its password hidden. */
  readonly location: string
  /** The PostgreSQL schema; undefined on SQLite. */
  readonly schema: string | undefined
  readonly #sqlite: BetterSqlite3.Database | undefined
  readonly #pool: pg.Pool | undefined
  readonly #columnsByConstraint: Readonly<Record<string, string>>
  #closed = false
  #captured: CapturedQuery[] | undefined

  private constructor(init: {
    engine: EngineName
    dialect: Dialect
    location: string
    schema?: string
    sqlite?: BetterSqlite3.Database
    pool?: pg.Pool
    columnsByConstraint?: Readonly<Record<string, string>>
  }) {
    this.engine = init.engine
    this.dialect = dialectFor(init.engine)
    this.kysely = new Kysely<DB>({
      dialect: init.dialect,
      log: (event) => {
        if (this.#captured) this.record(event.query.sql, event.query.parameters)
      },
    })
    this.location = init.location
    this.schema = init.schema
    this.#sqlite = init.sqlite
    this.#pool = init.pool
    this.#columnsByConstraint = init.columnsByConstraint ?? {}
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
    if (isPostgresUrl(location)) {
      const pgLocation = parsePostgresLocation(location, options.schema)
      const pool = createPostgresPool(pgLocation, options.poolSize)
      try {
        if (options.create !== false) await ensureSchema(pool, pgLocation.schema)
      } catch (error) {
        await pool.end()
        throw error
      }
      return new Database<DB>({
        engine: 'postgres',
        dialect: createPostgresDialect(pool, pgLocation.schema),
        location: redactLocation(location),
        schema: pgLocation.schema,
        pool,
        columnsByConstraint: options.columnsByConstraint,
      })
    }
    const path = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location
    const filePath = path === ':memory:' ? path : resolve(path)
    const readonly = options.readonly ?? options.create === false
    const sqlite = openSqliteFile(filePath, { readonly })
    return new Database<DB>({
      engine: 'sqlite',
      dialect: createSqliteDialect(sqlite),
      location: filePath,
      sqlite,
      columnsByConstraint: options.columnsByConstraint,
    })
  }

  /**
   * exists tells whether a store database is at `location` (the SQLite file, or the schema on
   * PostgreSQL), without creating anything.
   */
  static async exists(location: string, schema: string): Promise<boolean> {
    if (!isPostgresUrl(location)) {
      const path = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location
      return path === ':memory:' || existsSync(resolve(path))
    }
    const pgLocation = parsePostgresLocation(location, schema)
    const pool = createPostgresPool(pgLocation, 1)
    try {
      const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        pgLocation.schema,
      ])
      return rows.length > 0
    } finally {
      await pool.end()
    }
  }

  /**
   * drop deletes a store database entirely: the SQLite file with its WAL and shared-memory
   * files, or the PostgreSQL schema with everything in it. Idempotent.
   */
  static async drop(location: string, schema: string): Promise<void> {
    if (!isPostgresUrl(location)) {
      const path = resolve(location.startsWith('sqlite:') ? location.slice(7) : location)
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
      return
    }
    const pgLocation = parsePostgresLocation(location, schema)
    const pool = createPostgresPool(pgLocation, 1)
    try {
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(pgLocation.schema)} CASCADE`)
    } finally {
      await pool.end()
    }
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
   * loads: without statistics SQLite picks the wrong index for the seeds' own queries
   * (shared/BASELINES.md).
   */
  async analyze(): Promise<void> {
    await this.query('ANALYZE')
  }

  /** sizeBytes is the file's size (SQLite, without WAL) or the schema's total relation size. */
  async sizeBytes(): Promise<number> {
    if (this.engine === 'sqlite') {
      const [row] = await this.query<{ size: number }>(
        'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
      )
      return row?.size ?? 0
    }
    const [row] = await this.query<{ size: number | null }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS size FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [this.schema],
    )
    return row?.size ?? 0
  }

  /** The better-sqlite3 handle, for core operations that need SQLite's own API (backup). */
  get sqliteHandle(): BetterSqlite3.Database | undefined {
    return this.#sqlite
  }

  /** The node-postgres pool, for core operations that need a dedicated connection. */
  get pgPool(): pg.Pool | undefined {
    return this.#pool
  }

  /**
   * close releases the database. On SQLite it first runs `PRAGMA optimize`, which keeps the
   * planner's statistics fresh (shared/BASELINES.md). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#sqlite?.open && !this.#sqlite.readonly) {
      try {
        this.#sqlite.pragma('optimize')
      } catch {
        // A busy or read-only database skips the optimisation; closing must still succeed.
      }
    }
    await this.kysely.destroy()
  }
}
