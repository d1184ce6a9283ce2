import {
  isExpression,
  type Expression,
  type InsertType,
  type Kysely,
  type SelectType,
  type UpdateType,
} from 'kysely'
import type { Database, Executor } from './database.js'
import { ConflictError, NotFoundError } from './errors.js'
import { prepareQuery, type PreparedQuery } from './prepared.js'
import type { Columns, RowCodec, RowOf, Table } from './table.js'
import { describeValue, parseInput } from './validate.js'

/** The decoded type of column `C` in `Row`, for the columns the codec's row type has. */
type Decoded<Row, C> = C extends keyof Row ? Row[C] : never

/**
 * InsertValues are the columns of a new row as its codec takes them: each as stored (a Date)
 * or as decoded (a JSON value, an ISO-8601 string), or an SQL expression written as it is.
 * Missing NOT NULL columns are left to the database, which refuses them with ValidationError.
 */
export type InsertValues<Table, Row> = {
  [C in keyof Table]?: InsertType<Table[C]> | Decoded<Row, C> | Expression<unknown>
}

/** UpdateValues are the columns an update sets, as InsertValues are for an insert. */
export type UpdateValues<Table, Row> = {
  [C in keyof Table]?: UpdateType<Table[C]> | Decoded<Row, C> | Expression<unknown>
}

/** KeyOf is the type of the key column `K` of table `T`, as read back. */
type KeyOf<DB, T extends keyof DB, K extends keyof DB[T]> = SelectType<DB[T][K]>

/**
 * TableRows reads and writes single rows of one table by its key column, decoded with the
 * table's codec. Each method runs on `executor` when given one (a transaction), otherwise on
 * the database; constraint errors are translated as Database.run translates them.
 */
export interface TableRows<
  DB,
  T extends keyof DB & string,
  Row,
  K extends keyof DB[T] & string = 'id' & keyof DB[T],
> {
  /** insert encodes `values`, inserts them as one row and returns the row as stored. */
  insert(values: InsertValues<DB[T], Row>, executor?: Executor<DB>): Promise<Row>
  /** get returns the row whose key is `key`, or throws NotFoundError. */
  get(key: KeyOf<DB, T, K>, executor?: Executor<DB>): Promise<Row>
  /**
   * update encodes `values`, sets them on the row whose key is `key` and returns the row as
   * updated, or throws NotFoundError. With no values it returns the row unchanged.
   */
  update(
    key: KeyOf<DB, T, K>,
    values: UpdateValues<DB[T], Row>,
    executor?: Executor<DB>,
  ): Promise<Row>
  /**
   * updateWhere sets `values` on the row whose key is `key` only while it matches `where` (a
   * step of a row's lifecycle, `{ status: 'pending' }`: of two callers only one moves the row)
   * and returns the row as updated, or undefined when no row with that key matches.
   */
  updateWhere(
    key: KeyOf<DB, T, K>,
    where: { readonly [C in keyof DB[T]]?: SelectType<DB[T][C]> },
    values: UpdateValues<DB[T], Row>,
    executor?: Executor<DB>,
  ): Promise<Row | undefined>
  /** remove deletes the row whose key is `key`, or throws NotFoundError. */
  remove(key: KeyOf<DB, T, K>, executor?: Executor<DB>): Promise<void>
  /**
   * key returns `key` once it is of the key column's type, or throws ValidationError naming the
   * column: a statement of the store's own that finds a row by key checks it as these methods do.
   */
  key(key: KeyOf<DB, T, K>): KeyOf<DB, T, K>
}

/**
 * tableRows returns the single-row operations of the declared `table`, whose key is
 * `keyColumn` (default `id`). `noun` names a missing row in NotFoundError:
 * `tableRows(db, tables.generated_images, 'generated image')` throws
 * `generated image 7 does not exist`; a function gives the whole message instead.
 */
export function tableRows<
  DB,
  T extends keyof DB & string,
  Cs extends Columns,
  K extends keyof DB[T] & string = 'id' & keyof DB[T],
>(
  db: Database<DB>,
  table: Table<Cs, T>,
  noun: string | ((key: KeyOf<DB, T, K>) => string),
  keyColumn: K = 'id' as K,
): TableRows<DB, T, RowOf<Cs>, K> {
  type Row = RowOf<Cs>
  const { codec } = table
  const missing = (key: KeyOf<DB, T, K>) =>
    new NotFoundError(
      typeof noun === 'string' ? `${noun} ${String(key)} does not exist` : noun(key),
    )
  // The rows are typed by the caller's DB; inside, any table of any database will do.
  const name: string = table.name
  const column: string = keyColumn
  const run = async <R>(
    executor: Executor<DB> | undefined,
    statement: (k: Kysely<any>) => Promise<R>,
    values?: Readonly<Record<string, unknown>>,
  ): Promise<R> => {
    try {
      return await statement((executor ?? db.kysely) as Kysely<any>)
    } catch (error) {
      throw withValues(db.translateError(error), values)
    }
  }
  // A key of the wrong type ('abc' for an id) is refused as the column's writes refuse it,
  // the same on both engines, before PostgreSQL would fail to cast it.
  const keyInput = table.columns[column]?.input
  const checkKey = (key: KeyOf<DB, T, K>): void => {
    if (keyInput) parseInput(keyInput, key, column)
  }
  const found = (key: KeyOf<DB, T, K>, row: Row | undefined): Row => {
    if (!row) throw missing(key)
    return row
  }
  // A read by key outside a transaction, every store's hottest: built and compiled once, its
  // rows decoded as the engine reads them.
  const byKey: PreparedQuery<Row> = prepareQuery(
    db,
    (k: Kysely<any>) => k.selectFrom(name).selectAll().where(column, '=', 0),
    codec,
  )
  const rows: TableRows<DB, T, Row, K> = {
    async insert(values, executor) {
      const encoded = encodeValues(codec, values)
      // A row whose every column has its default (`{}`) is `DEFAULT VALUES`: an INSERT with
      // no columns is a syntax error on both engines.
      const row = await run(
        executor,
        (k) => {
          const insert = k.insertInto(name)
          const filled = Object.values(encoded).every((v) => v === undefined)
            ? insert.defaultValues()
            : insert.values(encoded)
          return filled.returningAll().executeTakeFirstOrThrow()
        },
        values,
      )
      return codec.decode(row)
    },
    async get(key, executor) {
      checkKey(key)
      if (executor) {
        const row = await run(executor, (k) =>
          k.selectFrom(name).selectAll().where(column, '=', key).executeTakeFirst(),
        )
        return found(key, row && codec.decode(row))
      }
      return await byKey.takeFirst([key], (row) => found(key, row))
    },
    async update(key, values, executor) {
      checkKey(key)
      if (Object.keys(values).length === 0) return rows.get(key, executor)
      const row = await run(
        executor,
        (k) =>
          k
            .updateTable(name)
            .set(encodeValues(codec, values))
            .where(column, '=', key)
            .returningAll()
            .executeTakeFirst(),
        values,
      )
      return found(key, row && codec.decode(row))
    },
    async updateWhere(key, where, values, executor) {
      checkKey(key)
      const row = await run(executor, (k) => {
        let update = k.updateTable(name).set(encodeValues(codec, values)).where(column, '=', key)
        for (const [c, v] of Object.entries(where)) update = update.where(c, '=', v)
        return update.returningAll().executeTakeFirst()
      })
      return row === undefined ? undefined : codec.decode(row)
    },
    async remove(key, executor) {
      checkKey(key)
      const result = await run(executor, (k) =>
        k.deleteFrom(name).where(column, '=', key).executeTakeFirst(),
      )
      if (Number(result.numDeletedRows) === 0) throw missing(key)
    },
    key(key) {
      checkKey(key)
      return key
    },
  }
  return rows
}

/**
 * encodeValues encodes `values` with `codec`, leaving SQL expressions out of the encoding: the
 * codec would take `sql\`CURRENT_TIMESTAMP\`` in a timestamp column for a malformed timestamp.
 */
function encodeValues(
  codec: RowCodec<unknown, any>,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const expressions = Object.keys(values).filter((column) => isExpression(values[column]))
  if (expressions.length === 0) return codec.encode(values)
  const plain = { ...values }
  for (const column of expressions) delete plain[column]
  const encoded = codec.encode(plain)
  for (const column of expressions) encoded[column] = values[column]
  return encoded
}

/**
 * withValues names the values of a duplicate: a ConflictError on a unique key whose every
 * column the write gave becomes `filename "x.png" already exists` (or `video_id "v1", platform
 * "youtube", timestamp "…" already exist`), so the caller sees which row it collided with.
 * Any other error is returned unchanged.
 */
function withValues(error: unknown, values: Readonly<Record<string, unknown>> | undefined) {
  if (!(error instanceof ConflictError) || !values || !error.columns?.length) return error
  const { columns } = error
  if (!columns.every((c) => values[c] !== undefined && !isExpression(values[c]))) return error
  const named = columns.map((c) => `${c} ${describeValue(shown(values[c]))}`).join(', ')
  return new ConflictError(`${named} already ${columns.length > 1 ? 'exist' : 'exists'}`, {
    cause: error.cause,
    columns,
  })
}

/** shown is a value as an error message quotes it: a Date as its ISO-8601 text. */
function shown(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value
}
