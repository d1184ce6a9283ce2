import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { Database } from './database.js'

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
 * Where the engine has a direct path (SQLite: a read runs straight on one cached better-sqlite3
 * statement, see engines/sqlite/prepared.ts) the query takes it when it can; otherwise, and on
 * PostgreSQL always, it runs through `db.kysely.executeQuery` with the compiled text. Errors
 * are translated like every other query's.
 */
export function prepareQuery<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>) => Compilable<Row>,
): PreparedQuery<Row> {
  let compiled: CompiledQuery<Row> | undefined
  const compile = (): CompiledQuery<Row> => (compiled ??= build(db.kysely).compile())

  const viaKysely = async (parameters: readonly unknown[]): Promise<Row[]> => {
    const query = compile()
    try {
      const result = await db.kysely.executeQuery<Row>({ ...query, parameters: [...parameters] })
      return result.rows
    } catch (error) {
      throw db.translateError(error)
    }
  }

  return db.engineImpl.prepareQuery?.(db, compile, viaKysely) ?? preparedOf(compile, viaKysely)
}

/** preparedOf is the PreparedQuery whose every run is `run`: its SQL is `compile()`'s. */
export function preparedOf<Row>(
  compile: () => CompiledQuery<Row>,
  run: (parameters: readonly unknown[]) => Promise<Row[]>,
): PreparedQuery<Row> {
  return {
    get sql() {
      return compile().sql
    },
    execute: run,
    async takeFirst<T>(
      parameters: readonly unknown[],
      map: (row: Row | undefined) => T = (row) => row as T,
    ): Promise<T> {
      return map((await run(parameters))[0])
    },
  }
}
