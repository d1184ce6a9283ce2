import type { Database, Executor } from './database.js'
import type { BulkFill as Fill } from './engines/engine.js'
import type { Columns, EncodeInput, Table } from './table.js'

/** Rows per INSERT: SQLite allows 32,766 parameters, PostgreSQL 65,535. */
const MAX_PARAMETERS = 30_000

/** Column values as a table's codec takes them: decoded values, timestamps also as Dates. */
export type ValuesOf<Cs extends Columns> = { [K in keyof Cs]?: EncodeInput<Cs[K]> | null }

/** How insertEach turns each input into a row of a declared table. */
export interface EachInput<T, Cs extends Columns> {
  /**
   * parse validates one input, throwing (e.g. with parseItem) to refuse it, and returns its
   * column values as the codec takes them (JSON as values, timestamps as Dates or text).
   */
  parse(input: T, index: number): Readonly<ValuesOf<Cs>>
  /** Values for the columns an input leaves out, as `parse` returns them. */
  defaults?: Readonly<ValuesOf<Cs>>
  /** The columns each row binds (default: every column but the key). */
  columns?: readonly (keyof Cs & string)[]
}

/**
 * insertEach validates, encodes and inserts one row per input, in one transaction (the
 * caller's when given one, otherwise its own): a refused input leaves nothing written. Returns
 * the number inserted.
 *
 * Each input becomes its row just before the row is written, straight into the statement's
 * parameters through per-column encoders chosen once: no batch-sized array of parsed or
 * encoded rows is built, which at 100,000s of inputs costs more (in copies and garbage
 * collection) than validating them does.
 */
export async function insertEach<T, Cs extends Columns>(
  db: Database,
  table: Table<Cs>,
  inputs: readonly T[],
  each: EachInput<T, Cs>,
  executor?: Executor,
): Promise<number> {
  const columns: readonly string[] = each.columns ?? table.writable
  const { codec } = table
  const encoders = columns.map((c) => codec.encoderOf(c))
  const defaults = columns.map((c, i) => {
    const value = each.defaults?.[c]
    return value === undefined || value === null ? null : (encoders[i]?.(value) ?? value)
  })
  // How the engine's direct path binds a value (SQLite: booleans as 0/1, Dates as text).
  const bind = db.engineImpl.bindValue
  // Bound once: a batch's shared `now` is not formatted again for every row.
  const directDefaults = defaults.map(bind)
  const fill: Fill = (index, out, direct) => {
    const values: Readonly<Record<string, unknown>> = each.parse(inputs[index]!, index)
    for (let i = 0; i < columns.length; i++) {
      const value = values[columns[i]!]
      if (value === undefined) {
        out[i] = direct ? directDefaults[i] : defaults[i]
        continue
      }
      const encode = encoders[i]
      const encoded = value === null || !encode ? value : encode(value)
      out[i] = direct ? bind(encoded) : encoded
    }
  }
  return insertFilled(db, table.name, columns, inputs.length, fill, executor)
}

/**
 * insertMany inserts rows (already encoded) into `table`, as insertEach does. Runs in the
 * caller's transaction when given one, otherwise in its own. Returns the number inserted.
 */
export async function insertMany(
  db: Database,
  table: string,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  executor?: Executor,
): Promise<number> {
  return insertFilled(db, table, columns, rows.length, rowFill(db, columns, rows), executor)
}

/**
 * insertManyReturning is insertMany that also returns, for every inserted row, the `returning`
 * columns (e.g. `id` and the row's natural key): through the engine's direct path where it has
 * one (a single-row INSERT … RETURNING run per row), otherwise in statements of a fixed size so
 * the prepared statement is reused. The order of the returned rows is not guaranteed: match
 * them by the key. Runs in the caller's transaction when given one, otherwise in its own.
 */
export async function insertManyReturning<Returned = Record<string, unknown>>(
  db: Database,
  table: string,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
  returning: readonly string[],
  executor?: Executor,
): Promise<Returned[]> {
  if (rows.length === 0) return []
  const fill = rowFill(db, columns, rows)
  const run = async (ex: Executor): Promise<Returned[]> => {
    const out: Returned[] = []
    const single = () => insertStatement(db, table, columns, 1, returning)
    const keep = (row: unknown) => void out.push(row as Returned)
    const direct = db.engineImpl.insertDirect?.(
      db,
      ex,
      single,
      columns.length,
      rows.length,
      fill,
      keep,
    )
    if (direct !== undefined) return out
    return insertChunks<Returned>(db, table, columns, rows.length, fill, returning, ex)
  }
  return executor ? run(executor) : db.transaction((trx) => run(trx))
}

function rowFill(
  db: Database,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): Fill {
  const bind = db.engineImpl.bindValue
  return (index, out, direct) => {
    const row = rows[index]!
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]!] ?? null
      out[i] = direct ? bind(value) : value
    }
  }
}

/**
 * insertFilled inserts `count` rows whose values `fill` writes, in one transaction.
 *
 * Where the engine has a direct path (SQLite: one prepared single-row INSERT run once per row
 * on better-sqlite3, see engines/sqlite/bulk.ts), the rows take it; otherwise, and under
 * captureQueries (so that the statements are recorded), they go in multi-row INSERTs of a
 * fixed size.
 */
async function insertFilled(
  db: Database,
  table: string,
  columns: readonly string[],
  count: number,
  fill: Fill,
  executor?: Executor,
): Promise<number> {
  if (count === 0) return 0
  const run = async (ex: Executor): Promise<number> => {
    const single = () => insertStatement(db, table, columns, 1)
    const direct = db.engineImpl.insertDirect?.(db, ex, single, columns.length, count, fill)
    if (direct !== undefined) return direct
    await insertChunks(db, table, columns, count, fill, [], ex)
    return count
  }
  return executor ? run(executor) : db.transaction((trx) => run(trx))
}

/** insertStatement is `INSERT INTO table (columns) VALUES (…), (…)` for `count` rows. */
function insertStatement(
  db: Database,
  table: string,
  columns: readonly string[],
  count: number,
  returning: readonly string[] = [],
): string {
  let n = 0
  const tuples = Array.from(
    { length: count },
    () => `(${columns.map(() => db.dialect.parameter(++n)).join(', ')})`,
  )
  const columnList = columns.map((c) => `"${c}"`).join(', ')
  const returningList = returning.length
    ? ` RETURNING ${returning.map((c) => `"${c}"`).join(', ')}`
    : ''
  return `INSERT INTO "${table}" (${columnList}) VALUES ${tuples.join(', ')}${returningList}`
}

/**
 * insertChunks runs multi-row INSERTs of a fixed size (the last one shorter) through the query
 * path, so the SQL text repeats and the engine prepares it once per connection where it can
 * (`reuseStatement`). Returns what `returning` names of each inserted row.
 *
 * The next chunk's values are filled (validated and encoded) while the server writes the one
 * before: a chunk is sent, the event loop turns once so that its bytes leave, and only then is
 * the next one filled. On PostgreSQL the validation's time thus hides behind the server's
 * instead of adding to it. A refused input stops the loop as before; the chunk in flight is
 * awaited first, so that its error, if it has one, is the one reported, and the caller's
 * transaction rolls both back.
 */
async function insertChunks<Returned>(
  db: Database,
  table: string,
  columns: readonly string[],
  count: number,
  fill: Fill,
  returning: readonly string[],
  ex: Executor,
): Promise<Returned[]> {
  const perStatement = Math.max(1, Math.min(500, Math.floor(MAX_PARAMETERS / columns.length)))
  const full = insertStatement(db, table, columns, perStatement, returning)
  if (returning.length === 0) db.engineImpl.reuseStatement?.(full)
  const out: Returned[] = []
  const values: unknown[] = new Array(columns.length)
  const chunk = (start: number): { text: string; parameters: unknown[] } => {
    const end = Math.min(start + perStatement, count)
    const parameters: unknown[] = []
    for (let n = start; n < end; n++) {
      fill(n, values, false)
      parameters.push(...values)
    }
    const size = end - start
    const text = size === perStatement ? full : insertStatement(db, table, columns, size, returning)
    return { text, parameters }
  }
  let next = chunk(0)
  for (let start = 0; start < count; start += perStatement) {
    const sent = db.query<Returned>(next.text, next.parameters, ex)
    if (start + perStatement >= count) {
      out.push(...(await sent))
      break
    }
    // Handled here as well: it may fail while the next chunk is being filled.
    sent.catch(() => undefined)
    await new Promise(setImmediate)
    try {
      next = chunk(start + perStatement)
    } catch (error) {
      await sent
      throw error
    }
    out.push(...(await sent))
  }
  return out
}
