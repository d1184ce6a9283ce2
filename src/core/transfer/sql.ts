import type { Database } from '../database.js'
import { QueryRefusedError } from './errors.js'

/** The time limit of `genmedia sql` unless told otherwise (Datasette's sql_time_limit_ms). */
export const DEFAULT_SQL_TIMEOUT_MS = 5000

/** Statements that change something, refused by their first word before they reach the engine. */
const WRITING =
  /^(insert|update|delete|replace|upsert|merge|drop|create|alter|attach|detach|vacuum|reindex|analyze|truncate|grant|revoke|copy|begin|start|commit|end|rollback|savepoint|release|lock|set|reset|call|do|load|refresh|cluster|comment|security|notify|listen|unlisten|discard|prepare|execute|deallocate|checkpoint|reassign|import)$/i

/** The statement without its leading blanks and comments. */
function stripLeading(text: string): string {
  return text.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '')
}

/**
 * refuseWriting throws QueryRefusedError, in one line, for a statement whose first word writes
 * (or a PRAGMA that sets a value). It is the early, readable answer; the engine's read-only
 * session (SQLite: a read-only connection with `query_only`; PostgreSQL: a READ ONLY
 * transaction) is what guarantees nothing is written, also for a CTE that writes.
 */
export function refuseWriting(sql: string): void {
  const body = stripLeading(sql)
  if (!body.trim()) throw new QueryRefusedError('refused: the statement is empty')
  const word = /^[A-Za-z_]+/.exec(body)?.[0] ?? ''
  if (WRITING.test(word)) {
    throw new QueryRefusedError(
      `refused: ${word.toUpperCase()} writes; genmedia sql only reads (SELECT, WITH, VALUES, EXPLAIN)`,
    )
  }
  const cte = /\bas\s*(?:not\s+)?(?:materialized\s*)?\(\s*(insert|update|delete|merge)\b/i.exec(
    body,
  )
  if (/^with\b/i.test(body) && cte) {
    throw new QueryRefusedError(
      `refused: a WITH that writes (${cte[1]!.toUpperCase()}); genmedia sql only reads`,
    )
  }
  if (/^pragma\b[^;]*=/i.test(body)) {
    throw new QueryRefusedError(
      'refused: a PRAGMA that sets a value writes; genmedia sql only reads',
    )
  }
}

export interface SqlRun {
  readonly timeoutMs?: number
  onColumns(columns: string[]): void
  onRows(rows: unknown[][]): Promise<void> | void
}

/**
 * runSql runs one read-only statement of the user's on a store, streaming its rows: writing
 * statements are refused (QueryRefusedError), and a statement still running at the time limit
 * is stopped (QueryTimeoutError).
 */
export async function runSql(db: Database, sql: string, run: SqlRun): Promise<void> {
  refuseWriting(sql)
  await db.engineImpl.transfer.query(db, {
    sql,
    timeoutMs: run.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS,
    onColumns: (columns) => run.onColumns(columns),
    onRows: (rows) => run.onRows(rows),
  })
}
