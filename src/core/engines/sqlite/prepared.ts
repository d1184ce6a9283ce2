import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery } from 'kysely'
import type { Database } from '../../database.js'
import type { PreparedQuery, RowDecoding } from '../../prepared.js'
import { convertParameters, isBusy, rawRows } from './connection.js'
import { hasNul } from '../../validate.js'

/**
 * prepareDirect is SQLite's PreparedQuery: a read runs straight on one cached better-sqlite3
 * statement, unless a transaction is open on the connection (then it queues behind it through
 * Kysely, as any query does) or `captureQueries` is recording (Kysely's log sees it). A
 * statement that writes runs through `viaKysely`, and so does a read that meets a lock (the
 * Kysely path retries it).
 *
 * Given `decoding`, the statement reads its rows as arrays of values (better-sqlite3's `raw`),
 * which `decoding.decoderFor` makes into decoded rows in one step: less work than
 * better-sqlite3 setting each column on a new object and the codec copying it.
 */
export function prepareDirect<Row>(
  db: Database,
  compile: () => CompiledQuery,
  viaKysely: (parameters: readonly unknown[]) => Promise<Row[]>,
  decoding?: RowDecoding<Row>,
): PreparedQuery<Row> {
  let statement: BetterSqlite3.Statement | undefined
  const handle = db.sqliteHandle

  let reads = false
  let decode: ((values: unknown) => Row) | undefined
  const direct = (): BetterSqlite3.Statement | undefined => {
    if (!handle || handle.inTransaction || db.capturing) return undefined
    if (!statement) {
      statement = handle.prepare(compile().sql)
      reads = statement.reader
      if (reads && decoding) decode = rawRows(statement, (columns) => decoding.decoderFor(columns))
    }
    return reads ? statement : undefined
  }
  // Numbers and strings bind as they are: the hot reads (a get by id) skip the copy.
  const bind = (parameters: readonly unknown[]): readonly unknown[] =>
    parameters.every(bindsAsIs) ? parameters : convertParameters(parameters)

  return {
    get sql() {
      return compile().sql
    },
    async execute(parameters) {
      const stmt = direct()
      if (!stmt) return viaKysely(parameters)
      try {
        const rows = stmt.all(bind(parameters))
        return decode ? rows.map(decode) : (rows as Row[])
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
      let row: unknown
      try {
        row = stmt.get(bind(parameters))
      } catch (error) {
        if (isBusy(error)) return map((await viaKysely(parameters))[0])
        throw db.translateError(error)
      }
      if (row === undefined) return map(undefined)
      return map(decode ? decode(row) : (row as Row))
    },
  }
}

function bindsAsIs(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && !hasNul(value))
}
