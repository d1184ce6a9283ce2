import { sql, type Kysely } from 'kysely'
import type { Executor } from '../database.js'
import type { MarkedQuery } from '../prepared.js'
import type { AttemptOutcome } from './schema.js'

// The statements that end a job's attempt (JobQueue's completion, retry, failure and
// cancellation): the fenced UPDATE of the job's row and the attempt's job_attempts row.

/** The job_attempts row of an attempt that ended now. */
export function attemptValues(
  jobId: number,
  attempt: number,
  worker: string,
  outcome: AttemptOutcome,
  extra: { error?: string; startedAt?: Date },
) {
  return {
    job_id: jobId,
    attempt,
    worker,
    outcome,
    error: extra.error ?? null,
    started_at: extra.startedAt ?? null,
    finished_at: new Date(),
  }
}

/**
 * What ends an attempt: the columns the job's row gets, the lease that fences the write, and
 * the attempt's row. Each is a value, or a marker in a statement compiled once (prepareMarked).
 */
export interface EndValues {
  set: Record<string, unknown>
  id: unknown
  worker: unknown
  attempt: unknown
  outcome: unknown
  error: unknown
  started_at: unknown
  finished_at: unknown
}

/** The statements that end an attempt, compiled once for one shape of what they set. */
export interface EndStatements {
  /** PostgreSQL: the fenced UPDATE and the attempt's INSERT as one statement (writable CTE). */
  both: MarkedQuery<{ job_id: unknown }>
  /** Elsewhere: the fenced UPDATE, then the attempt's INSERT, in one transaction. */
  update: MarkedQuery<unknown>
  insert: MarkedQuery<unknown>
}

/**
 * Shapes of ended rows a queue compiles statements for: a store writes a few (completion,
 * retry, failure, cancellation; a completion's optional columns), so more means a set whose
 * keys vary from call to call, built per call instead.
 */
export const MAX_END_SHAPES = 64

/**
 * fencedUpdate is an UPDATE of job `id` fenced by the lease of `worker`'s attempt `attempt`: it
 * writes nothing once another worker holds the job or the attempt has ended. The owner is
 * compared with IS NOT DISTINCT FROM, for a worker's id the same test as `=`: with `=` the
 * PostgreSQL planner may serve the update from the partial index of leases (`lease_owner IS NOT
 * NULL`, which `=` implies) and read that index whole, every lease and every ended one not yet
 * vacuumed, instead of looking the key up; it did whenever statistics saw few leases.
 */
export function fencedUpdate(
  k: Executor,
  table: string,
  id: unknown,
  worker: unknown,
  attempt: unknown,
) {
  return (k as Kysely<any>)
    .updateTable(table)
    .where('id', '=', id)
    .where('lease_owner', 'is not distinct from', worker)
    .where('attempts', '=', attempt)
}

/** The UPDATE of the job's row, fenced by the lease: it writes nothing once the lease is gone. */
export function endUpdate(k: Executor, table: string, v: EndValues) {
  return fencedUpdate(k, table, v.id, v.worker, v.attempt).set(v.set)
}

/** The attempt's job_attempts row. */
export function endInsert(k: Executor, v: EndValues) {
  return (k as Kysely<any>).insertInto('job_attempts').values({
    job_id: v.id,
    attempt: v.attempt,
    worker: v.worker,
    outcome: v.outcome,
    error: v.error,
    started_at: v.started_at,
    finished_at: v.finished_at,
  })
}

/** endUpdate and endInsert as one statement: the attempt is recorded only if the row was ended. */
export function endBoth(k: Executor, table: string, v: EndValues) {
  return (k as Kysely<any>)
    .with('ended', () => endUpdate(k, table, v).returning('id'))
    .insertInto('job_attempts')
    .columns(['job_id', 'attempt', 'worker', 'outcome', 'error', 'started_at', 'finished_at'])
    .expression((eb) =>
      eb
        .selectFrom('ended')
        .select([
          'id as job_id',
          sql`${v.attempt}::integer`.as('attempt'),
          sql`${v.worker}::text`.as('worker'),
          sql`${v.outcome}::text`.as('outcome'),
          sql`${v.error}::text`.as('error'),
          sql`${v.started_at}::timestamptz`.as('started_at'),
          sql`${v.finished_at}::timestamptz`.as('finished_at'),
        ]),
    )
    .returning('job_id')
}
