import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type BetterSqlite3 from 'better-sqlite3'
import type { Database } from './database.js'
import { toSqliteValue } from './sqlite-engine.js'

/**
 * PreparedQuery is a query shape built and compiled once and run many times with new
 * parameters: the hot reads of a repository (a get by id) pay neither Kysely's query building
 * nor its compiling per call (shared/BASELINES.md: that costs three times a raw read).
 */
export interface PreparedQuery<Row> {
  /** The SQL text the query sends. */
  readonly sql: string
  /** Every row, for `parameters` in the order the builder placed its values. */
  execute(parameters: readonly unknown[]): Promise<Row[]>
  /** The first row, or undefined. */
  takeFirst(parameters: readonly unknown[]): Promise<Row | undefined>
  /**
   * The first row (or undefined) passed through `map`, in the same step: a repository's get
   * decodes the row, or throws NotFoundError, without a second promise.
   */
  takeFirst<T>(parameters: readonly unknown[], map: (row: Row | undefined) => T): Promise<T>
}

/**
 * prepareQuery compiles `build(db.kysely)` once (on first use). Its values are placeholders:
 * each run passes the real ones positionally, in the order they appear in the compiled query,
 * e.g. `prepareQuery(db, (k) => k.selectFrom('t').selectAll().where('id', '=', 0))` then
 * `takeFirst([id])`.
 *
 * On SQLite a read runs straight on one cached better-sqlite3 statement, unless a transaction
 * is open on the connection (then it queues behind it through Kysely, as any query does) or
 * `captureQueries` is recording (Kysely's log sees it); a
 * statement that writes, and every query on PostgreSQL, runs through `db.kysely.executeQuery`
 * with the compiled text. Errors are translated like every other query's.
 */
export function prepareQuery<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>) => Compilable<Row>,
): PreparedQuery<Row> {
  let compiled: CompiledQuery<Row> | undefined
  let statement: BetterSqlite3.Statement | undefined
  const compile = (): CompiledQuery<Row> => (compiled ??= build(db.kysely).compile())
  const handle = db.sqliteHandle

  const viaKysely = async (parameters: readonly unknown[]): Promise<Row[]> => {
    const query = compile()
    try {
      const result = await db.kysely.executeQuery<Row>({ ...query, parameters: [...parameters] })
      return result.rows
    } catch (error) {
      throw db.translateError(error)
    }
  }

  let reads = false
  const direct = (): BetterSqlite3.Statement | undefined => {
    if (!handle || handle.inTransaction || db.capturing) return undefined
    if (!statement) {
      statement = handle.prepare(compile().sql)
      reads = statement.reader
    }
    return reads ? statement : undefined
  }

  // Numbers and strings bind as they are: the hot reads (a get by id) skip the copy.
  const bind = (parameters: readonly unknown[]): readonly unknown[] =>
    parameters.every(bindsAsIs) ? parameters : parameters.map(toSqliteValue)

  return {
    get sql() {
      return compile().sql
    },
    async execute(parameters) {
      const stmt = direct()
      if (!stmt) return viaKysely(parameters)
      try {
        return stmt.all(bind(parameters)) as Row[]
      } catch (error) {
        // SQLITE_BUSY and the like: the Kysely path retries them.
        if (isBusy(error)) return viaKysely(parameters)
        throw db.translateError(error)
      }
    },
    async takeFirst<T>(
      parameters: readonly unknown[],
      map: (row: Row | undefined) => T = (row) => row as T,
    ): Promise<T> {
      const stmt = direct()
      if (!stmt) return map((await viaKysely(parameters))[0])
      let row: Row | undefined
      try {
        row = stmt.get(bind(parameters)) as Row | undefined
      } catch (error) {
        if (isBusy(error)) return map((await viaKysely(parameters))[0])
        throw db.translateError(error)
      }
      return map(row)
    },
  }
}

function bindsAsIs(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string'
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
}
