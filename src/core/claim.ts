import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely'
import type { Database, Executor } from './database.js'

export interface ClaimOptions {
  table: string
  /** Which rows may be claimed, e.g. `eb('status', '=', 'pending')`. */
  where: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>
  /** Claim order, e.g. `['id']`; each claim takes the first eligible row. */
  orderBy: readonly string[]
  /** What the claim writes, e.g. `{ status: 'processing' }`. */
  set: Record<string, unknown>
  idColumn?: string
}

/**
 * claimNext atomically takes the first eligible row and updates it, returning the updated raw
 * row, or undefined when none is left. Two workers never get the same row: on SQLite the single
 * UPDATE runs under the database's write lock; on PostgreSQL the subquery locks its row with
 * FOR UPDATE SKIP LOCKED, so concurrent claimers skip to the next row instead of waiting, and
 * the outer WHERE re-checks eligibility.
 */
export async function claimNext(
  db: Database,
  options: ClaimOptions,
  executor: Executor = db.kysely,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await claimNextQuery(db, options, executor).executeTakeFirst()
  } catch (error) {
    throw db.translateError(error)
  }
}

/**
 * claimNextQuery is claimNext's statement, not run: for a caller that compiles it once and runs
 * it many times with new values (`prepareQuery`).
 */
export function claimNextQuery(
  db: Database,
  options: ClaimOptions,
  executor: Executor = db.kysely,
) {
  const k = executor as Kysely<any>
  const idColumn = options.idColumn ?? 'id'
  let candidate = k.selectFrom(options.table).select(idColumn).where(options.where)
  for (const column of options.orderBy) candidate = candidate.orderBy(column)
  candidate = candidate.limit(1)
  if (db.dialect.supportsSkipLocked) candidate = candidate.forUpdate().skipLocked()
  return k
    .updateTable(options.table)
    .set(options.set)
    .where(idColumn, '=', candidate)
    .where(options.where)
    .returningAll()
}

export interface ClaimManyOptions extends Omit<ClaimOptions, 'orderBy'> {
  /** Claim order: a column (ascending) or `[column, 'asc' | 'desc']`. */
  orderBy: readonly (string | readonly [string, 'asc' | 'desc'])[]
  /** How many rows to take at most. */
  limit: number
}

/**
 * claimMany atomically takes up to `limit` eligible rows in `orderBy` order and updates them,
 * returning the updated raw rows (in no particular order; empty when none is left). Like
 * claimNext, two claimers never get the same row: one UPDATE under SQLite's write lock, or on
 * PostgreSQL a candidate subquery with FOR UPDATE SKIP LOCKED and the eligibility re-checked.
 */
export async function claimMany(
  db: Database,
  options: ClaimManyOptions,
  executor: Executor = db.kysely,
): Promise<Record<string, unknown>[]> {
  const k = executor as Kysely<any>
  const idColumn = options.idColumn ?? 'id'
  // The candidates are a MATERIALIZED CTE, evaluated exactly once. As `id IN (subquery)` the
  // PostgreSQL planner may rescan the subquery per row of a nested-loop join, and a rescan skips
  // the rows this very statement has just updated and takes the next ones: more than `limit`.
  const claimed = await k
    .with(
      (cte) => cte('claim_candidates').materialized(),
      (qb) => {
        let candidate = qb.selectFrom(options.table).select(idColumn).where(options.where)
        for (const entry of options.orderBy) {
          const [column, direction] = typeof entry === 'string' ? [entry, 'asc' as const] : entry
          candidate = candidate.orderBy(column, direction)
        }
        candidate = candidate.limit(options.limit)
        return db.dialect.supportsSkipLocked ? candidate.forUpdate().skipLocked() : candidate
      },
    )
    .updateTable(options.table)
    .set(options.set)
    .where(idColumn, 'in', (eb: ExpressionBuilder<any, any>) =>
      eb.selectFrom('claim_candidates').select(idColumn),
    )
    .where(options.where)
    .returningAll()
    .execute()
    .catch((error: unknown) => {
      throw db.translateError(error)
    })
  return claimed as Record<string, unknown>[]
}
