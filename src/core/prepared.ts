import type { Compilable, CompiledQuery, Kysely } from 'kysely'
import type { Database } from './database.js'

/**
 * PreparedQuery is a query shape built and compiled once and run many times with new
 * parameters: the hot reads of a repository (a get by id) pay neither Kysely's query building
 * nor its compiling per call (that costs three times a raw read).
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
 * RowDecoding is how a prepared query decodes its rows (a table's RowCodec is one): an object
 * at a time, or, where the engine reads rows as arrays of values, by a decoder made once for
 * the statement's columns.
 */
export interface RowDecoding<Row> {
  decode(raw: object): Row
  decoderFor(columns: readonly string[]): (values: readonly unknown[]) => Row
}

/**
 * prepareQuery compiles `build(db.kysely)` once (on first use). Its values are placeholders:
 * each run passes the real ones positionally, in the order they appear in the compiled query,
 * e.g. `prepareQuery(db, (k) => k.selectFrom('t').selectAll().where('id', '=', 0))` then
 * `takeFirst([id])`. Given `decoding`, its rows come decoded.
 *
 * Where the engine has a direct path (SQLite: a read runs straight on one cached better-sqlite3
 * statement, see engines/sqlite/prepared.ts) the query takes it when it can; otherwise, and on
 * PostgreSQL always, it runs through `db.kysely.executeQuery` with the compiled text. Errors
 * are translated like every other query's.
 */
export function prepareQuery<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>) => Compilable<unknown>,
  decoding: RowDecoding<Row>,
): PreparedQuery<Row>
export function prepareQuery<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>) => Compilable<Row>,
): PreparedQuery<Row>
export function prepareQuery<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>) => Compilable<unknown>,
  decoding?: RowDecoding<Row>,
): PreparedQuery<Row> {
  let compiled: CompiledQuery | undefined
  const compile = (): CompiledQuery => (compiled ??= build(db.kysely).compile())

  const viaKysely = async (parameters: readonly unknown[]): Promise<Row[]> => {
    const query = compile()
    let rows: unknown[]
    try {
      rows = (await db.kysely.executeQuery({ ...query, parameters: [...parameters] })).rows
    } catch (error) {
      throw db.translateError(error)
    }
    return decoding ? rows.map((row) => decoding.decode(row as object)) : (rows as Row[])
  }

  return (
    db.engineImpl.prepareQuery?.(db, compile, viaKysely, decoding) ?? preparedOf(compile, viaKysely)
  )
}

/** preparedOf is the PreparedQuery whose every run is `run`: its SQL is `compile()`'s. */
export function preparedOf<Row>(
  compile: () => CompiledQuery,
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

/** Where a MarkedQuery's builder put a value that changes from run to run. */
const MARKER = '\u0000genmedia-marker:'

/**
 * MarkedQuery is a statement whose shape stays the same while some of its values change from
 * run to run: built and compiled once with a named marker in the place of each such value,
 * each run fills the markers in with its own values. A builder that places its values in an
 * order of its own (a writable CTE, an UPDATE's SET beside its WHERE) then needs no positional
 * bookkeeping, as prepareQuery would.
 */
export interface MarkedQuery<Row> {
  /** The compiled statement with a run's values, for an executor of one's own (a transaction). */
  compiled(valueOf: (name: string) => unknown): CompiledQuery<Row>
  /** The first row of a run on the engine's prepared path (prepareQuery), or undefined. */
  takeFirst(valueOf: (name: string) => unknown): Promise<Row | undefined>
}

/**
 * prepareMarked is prepareQuery for a builder given `marker(name)`, a value that stands for
 * the run's value `name`: each run's `valueOf(name)` takes its place; the builder's other
 * values stay as built. A marker is text no value holds (it starts with NUL, which neither
 * engine stores in text).
 */
export function prepareMarked<DB, Row>(
  db: Database<DB>,
  build: (k: Kysely<DB>, marker: (name: string) => string) => Compilable<Row>,
): MarkedQuery<Row> {
  const marker = (name: string) => `${MARKER}${name}`
  const prepared = prepareQuery(db, (k) => build(k, marker))
  let template: { query: CompiledQuery<Row>; names: (string | undefined)[] } | undefined
  const parameters = (valueOf: (name: string) => unknown) => {
    if (!template) {
      const query = build(db.kysely, marker).compile()
      const names = query.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(MARKER) ? p.slice(MARKER.length) : undefined,
      )
      template = { query, names }
    }
    const { names } = template
    return template.query.parameters.map((p, i) => (names[i] === undefined ? p : valueOf(names[i])))
  }
  return {
    compiled(valueOf) {
      const values = parameters(valueOf)
      return { ...template!.query, parameters: values }
    },
    takeFirst: (valueOf) => prepared.takeFirst(parameters(valueOf)),
  }
}
