import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type SqliteDialectConfig,
  type Driver,
} from 'kysely'
import type { OpenOptions } from '../../database.js'
import { ConflictError, ValidationError } from '../../errors.js'
import { rowBuilder } from '../../row-literal.js'
import { hasNul } from '../../validate.js'
import type { EngineConnection } from '../engine.js'
import { sqliteFilePath, type SqliteLocation } from './location.js'
import { removeLeftovers } from './scratch.js'

/** SQLITE_PRAGMAS are set on every connection, in this order (ARCHITECTURE.md, seed 004). */
export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'foreign_keys = ON',
  // Short on purpose: SQLite's busy handler sleeps synchronously and would stall the event loop
  // (and any other handle on the same file in this process); longer waits are retried
  // asynchronously by the driver below.
  'busy_timeout = 20',
  'temp_store = MEMORY',
  'cache_size = -64000',
] as const

const STATEMENT_CACHE_SIZE = 500

/**
 * openSqliteFile opens (creating its folder) a SQLite file with genmedia's pragmas. The caller
 * owns the handle and must close it.
 */
export function openSqliteFile(
  path: string,
  options: { readonly?: boolean } = {},
): BetterSqlite3.Database {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true })
  const open = () => {
    const db = new BetterSqlite3(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    })
    try {
      for (const pragma of SQLITE_PRAGMAS) {
        if (options.readonly && pragma.startsWith('journal_mode')) continue
        db.pragma(pragma)
      }
      return db
    } catch (error) {
      db.close()
      throw error
    }
  }
  try {
    return open()
  } catch (error) {
    if (!options.readonly || !UNFINISHED_WRITE.has((error as { code?: string }).code ?? '')) {
      throw error
    }
    settleUnfinishedWrite(path, error)
    return open()
  }
}

/**
 * The codes of a read-only open that finds a write a killed process left half done (a hot
 * rollback journal, or a WAL index to rebuild): SQLite must write to undo it before anyone reads.
 */
const UNFINISHED_WRITE = new Set(['SQLITE_READONLY_ROLLBACK', 'SQLITE_READONLY_RECOVERY'])

/**
 * settleUnfinishedWrite opens the file for writing once, which rolls the unfinished write back
 * as any writable open would (the data is what the last commit left), so that read-only opens
 * work again. Without write access it says what to do instead.
 */
function settleUnfinishedWrite(path: string, cause: unknown): void {
  let db: BetterSqlite3.Database
  try {
    db = new BetterSqlite3(path, { fileMustExist: true })
  } catch {
    throw new ConflictError(
      `${path} holds a write that a stopped process left unfinished; open it once with write access (any genmedia command that writes) to roll it back`,
      { cause },
    )
  }
  try {
    db.prepare('SELECT COUNT(*) FROM sqlite_schema').get()
  } finally {
    db.close()
  }
}

/**
 * toSqliteValue converts what better-sqlite3 cannot bind: booleans become 0/1 and Dates the text
 * form of SQLite's own CURRENT_TIMESTAMP (`YYYY-MM-DD HH:MM:SS`, UTC), so that stored values and
 * `datetime('now', …)` compare as text.
 */
export function toSqliteValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return sqliteTimestampOf(value)
  return value
}

// The last Date formatted, and its text: a batch binds its one shared "now" once per row.
let lastDate: Date | undefined
let lastTime = NaN
let lastText = ''

/** sqliteTimestampOf is formatSqliteTimestamp, remembering the last Date it formatted. */
function sqliteTimestampOf(date: Date): string {
  const time = date.getTime()
  if (date !== lastDate || time !== lastTime) {
    lastText = formatSqliteTimestamp(date)
    lastDate = date
    lastTime = time
  }
  return lastText
}

export function formatSqliteTimestamp(date: Date): string {
  const iso = date.toISOString() // 2026-01-08T12:00:00.123Z
  const ms = iso.slice(20, 23)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}`}`
}

/**
 * convertParameters binds a statement's parameters (toSqliteValue), refusing text with NUL as
 * PostgreSQL refuses it: a value no write stores (LIMITS) but a filter or key may still carry
 * (`claimNextVideo({ platform: 'a\u0000b' })`) is the same ValidationError on both engines,
 * not a match on one and an error on the other.
 */
export function convertParameters(parameters: ReadonlyArray<unknown>): unknown[] {
  return parameters.map((value) => {
    if (typeof value === 'string' && hasNul(value)) {
      throw new ValidationError('text the database cannot store: must not contain NUL (\\u0000)')
    }
    return toSqliteValue(value)
  })
}

/**
 * CachingDatabase is what Kysely's SQLite driver sees: a better-sqlite3 database whose
 * `prepare` returns a cached statement for SQL it has seen before (Kysely prepares on every
 * execution, which costs three times a raw read). A statement that reads
 * reads its rows as arrays of values, made into objects by a rowBuilder for its columns:
 * better-sqlite3 setting each column on a new object cost about 2 µs a row of twenty columns,
 * a third of reading a list page.
 */
class CachingDatabase {
  readonly #db: BetterSqlite3.Database
  readonly #statements = new Map<string, CachedStatement>()

  constructor(db: BetterSqlite3.Database) {
    this.#db = db
  }

  prepare(sql: string): CachedStatement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = cachedStatement(this.#db.prepare(sql))
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value
        if (oldest !== undefined) this.#statements.delete(oldest)
      }
      this.#statements.set(sql, statement)
    }
    return statement
  }

  close(): void {
    this.#statements.clear()
    this.#db.close()
  }
}

/** CachedStatement is the part of a better-sqlite3 statement Kysely's driver uses. */
interface CachedStatement {
  readonly reader: boolean
  all(parameters: ReadonlyArray<unknown>): unknown[]
  run(parameters: ReadonlyArray<unknown>): BetterSqlite3.RunResult
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown>
}

/**
 * rawRows switches `statement` (one that reads) to rows as arrays of values and returns what
 * makes a row of such an array with `make(columns)`, made once for the statement's columns. The
 * columns are read again when a row's width changes: SQLite prepares a statement again after a
 * schema change, and `SELECT *` then has the table's new columns.
 */
export function rawRows<Row>(
  statement: BetterSqlite3.Statement,
  make: (columns: readonly string[]) => (values: readonly unknown[]) => Row,
): (values: unknown) => Row {
  statement.raw(true)
  let width = -1
  let build: ((values: readonly unknown[]) => Row) | undefined
  return (values) => {
    const row = values as unknown[]
    if (!build || row.length !== width) {
      build = make(statement.columns().map((c) => c.name))
      width = row.length
    }
    return build(row)
  }
}

function cachedStatement(statement: BetterSqlite3.Statement): CachedStatement {
  const run = (parameters: ReadonlyArray<unknown>) => statement.run(convertParameters(parameters))
  if (!statement.reader) {
    const refuse = () => {
      throw new TypeError('This statement does not return data. Use run() instead')
    }
    return { reader: false, all: refuse, run, iterate: refuse }
  }
  const toRow = rawRows(statement, rowBuilder)
  return {
    reader: true,
    all: (parameters) => statement.all(convertParameters(parameters)).map(toRow),
    run,
    *iterate(parameters) {
      for (const values of statement.iterate(convertParameters(parameters))) yield toRow(values)
    },
  }
}

/** How long a statement keeps retrying while another connection holds the write lock. */
export const SQLITE_BUSY_DEADLINE_MS = 30_000

/** isBusy tells whether a statement failed because another connection holds a lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
}

/**
 * GenmediaSqliteDriver is Kysely's SQLite driver with two changes. Every transaction begins
 * IMMEDIATE: a deferred transaction that reads and then writes fails with SQLITE_BUSY when
 * another connection wrote in between, which no retry can fix; taking the write lock up front
 * makes it wait instead. And a statement that meets a lock outside a transaction is retried
 * asynchronously with backoff until SQLITE_BUSY_DEADLINE_MS, so callers never see SQLITE_BUSY
 * and waiting never blocks the event loop.
 */
class GenmediaSqliteDriver extends SqliteDriver {
  readonly #handle: BetterSqlite3.Database
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(config: SqliteDialectConfig, handle: BetterSqlite3.Database) {
    super(config)
    this.#handle = handle
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection()
    let wrapped = this.#wrapped.get(connection)
    if (!wrapped) {
      wrapped = {
        executeQuery: (query) => this.#retryWhileBusy(() => connection.executeQuery(query)),
        streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
      }
      this.#wrapped.set(connection, wrapped)
    }
    return wrapped
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async #retryWhileBusy<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + SQLITE_BUSY_DEADLINE_MS
    let delay = 1
    for (;;) {
      try {
        return await fn()
      } catch (error) {
        // Inside a transaction a retry would replay one statement of a half-done unit of work.
        if (!isBusy(error) || this.#handle.inTransaction || Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 50)
      }
    }
  }
}

class GenmediaSqliteDialect extends SqliteDialect {
  readonly #driverConfig: SqliteDialectConfig
  readonly #handle: BetterSqlite3.Database

  constructor(config: SqliteDialectConfig, handle: BetterSqlite3.Database) {
    super(config)
    this.#driverConfig = config
    this.#handle = handle
  }

  override createDriver(): Driver {
    return new GenmediaSqliteDriver(this.#driverConfig, this.#handle)
  }
}

/** createSqliteDialect wraps an open better-sqlite3 handle in genmedia's Kysely dialect. */
export function createSqliteDialect(db: BetterSqlite3.Database): SqliteDialect {
  return new GenmediaSqliteDialect({ database: new CachingDatabase(db) }, db)
}

/**
 * connectSqlite opens a SQLite file (created with its folder if missing, unless read-only) with
 * genmedia's pragmas, its statement cache and its driver. A writable open first removes what a
 * killed restore left beside the file (`.<file>.restoring-<pid>-<hex>` of a process that is
 * gone): the store itself is always whole, the old database or the restored one.
 */
export async function connectSqlite(
  location: SqliteLocation,
  options: OpenOptions,
): Promise<EngineConnection> {
  const readonly = options.readonly ?? options.create === false
  if (!readonly && location.path !== ':memory:') {
    await removeLeftovers(dirname(location.path), basename(location.path), 'restoring')
  }
  const handle = openSqliteFile(location.path, { readonly })
  return {
    kyselyDialect: createSqliteDialect(handle),
    location: location.path,
    schema: undefined,
    sqliteHandle: handle,
    beforeClose() {
      // PRAGMA optimize keeps the planner's statistics fresh.
      if (!handle.open || handle.readonly) return
      try {
        handle.pragma('optimize')
      } catch {
        // A busy or read-only database skips the optimisation; closing must still succeed.
      }
    },
  }
}

/** sqliteExists tells whether the file is there. */
export async function sqliteExists(location: SqliteLocation): Promise<boolean> {
  return location.path === ':memory:' || existsSync(location.path)
}

/** dropSqlite deletes the file with its WAL, shared-memory and journal files. Idempotent. */
export async function dropSqlite(location: SqliteLocation): Promise<void> {
  const path = sqliteFilePath(location.text)
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true })
}

/** isMissingTable tells whether `error` is SQLite's "no such table". */
export function isMissingTable(error: unknown): boolean {
  return /no such table/.test((error as { message?: string }).message ?? '')
}
