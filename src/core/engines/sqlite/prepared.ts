import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery } from 'kysely'
import type { Database } from '../../database.js'
import type { PreparedQuery } from '../../prepared.js'
import { convertParameters, isBusy } from './connection.js'
import { hasNul } from '../../validate.js'

/**
 * prepareDirect is SQLite's PreparedQuery: a read runs straight on one cached better-sqlite3
 * statement, unless a transaction is open on the connection (then it queues behind it through
 * Kysely, as any query does) or `captureQueries` is recording (Kysely's log sees it). A
 * statement that writes runs through `viaKysely`, and so does a read that meets a lock (the
 * Kysely path retries it).
 */
export function prepareDirect<Row>(
  db: Database,
  compile: () => CompiledQuery<Row>,
  viaKysely: (parameters: readonly unknown[]) => Promise<Row[]>,
): PreparedQuery<Row> {
  let statement: BetterSqlite3.Statement | undefined
  const handle = db.sqliteHandle

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
    parameters.every(bindsAsIs) ? parameters : convertParameters(parameters)

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
  return typeof value === 'number' || (typeof value === 'string' && !hasNul(value))
}
