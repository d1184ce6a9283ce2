import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import type { Database, Executor } from '../database.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { listLimits, setLimit, type ProviderLimit } from './limits.js'
import type { AttemptOutcome } from './schema.js'
import type { JobCounts, JobTable } from './queue.js'

/** JobAttempt is one attempt of a job and how it ended. */
export interface JobAttempt {
  attempt: number
  worker: string
  outcome: AttemptOutcome
  error: string | null
  started_at: string | null
  finished_at: string
}

/** condition is one of a JobTable's SQL conditions as a Kysely expression, in parentheses. */
export function condition(text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.raw(text)})`
}

/**
 * JobAdmin is what the queue's operators and dashboards do with one store's jobs (`genmedia
 * jobs`, the HTTP API): counts, lists, one job's state and attempts, cancellation, retry of
 * failed jobs and the providers' limits. JobQueue adds the workers' side.
 */
export class JobAdmin {
  readonly db: Database
  readonly spec: JobTable
  protected readonly k: Kysely<any>

  constructor(db: Database, spec: JobTable) {
    this.db = db
    this.spec = spec
    this.k = db.kysely as Kysely<any>
  }

  /**
   * cancel asks for job `id` to stop: a waiting job ends failed (cancelled) at once; a running
   * one is marked, and its worker aborts the handler at its next heartbeat. ConflictError when
   * the job has ended already; NotFoundError when there is none.
   */
  async cancel(id: number): Promise<'cancelled' | 'cancelling'> {
    const now = new Date()
    return this.db.transaction(async (trx) => {
      const k = trx as Kysely<any>
      const job = await k
        .selectFrom(this.spec.table)
        .select(['id', 'lease_owner'])
        .where('id', '=', id)
        .where(condition(this.spec.active))
        .executeTakeFirst()
      if (!job) {
        await this.#assertExists(id, trx)
        throw new ConflictError(`job ${id} has ended; only a waiting or running job is cancelled`)
      }
      if (job.lease_owner == null) {
        await k
          .updateTable(this.spec.table)
          .set({ ...this.spec.failSet('cancelled', now), cancelled_at: now, run_after: null })
          .where('id', '=', id)
          .execute()
        return 'cancelled' as const
      }
      await k.updateTable(this.spec.table).set({ cancelled_at: now }).where('id', '=', id).execute()
      return 'cancelling' as const
    })
  }

  /**
   * retry returns failed jobs (one, or every one when `id` is undefined) to the queue with a
   * fresh count of attempts; their earlier attempts stay in job_attempts. Returns how many.
   */
  async retry(id?: number): Promise<number> {
    const result = await this.db.run((k) => {
      let q = (k as Kysely<any>)
        .updateTable(this.spec.table)
        .set({
          ...this.spec.resetSet(),
          attempts: 0,
          run_after: null,
          cancelled_at: null,
          lease_owner: null,
          lease_expires_at: null,
          progress: null,
        })
        .where(condition(this.spec.failed))
      if (id !== undefined) q = q.where('id', '=', id)
      return q.executeTakeFirst()
    })
    const n = Number(result.numUpdatedRows)
    if (id !== undefined && n === 0) {
      await this.#assertExists(id)
      throw new ConflictError(`job ${id} has not failed; only a failed job is retried`)
    }
    return n
  }

  async #assertExists(id: number, executor: Executor = this.k): Promise<void> {
    const row = await (executor as Kysely<any>)
      .selectFrom(this.spec.table)
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw new NotFoundError(`job ${id} does not exist`)
  }

  /** counts returns how many jobs are queued, running, retrying, failed, cancelled and done. */
  async counts(): Promise<JobCounts> {
    const { queued, active, done, failed } = this.spec
    const waiting = `(${queued}) AND lease_owner IS NULL`
    const [row] = await this.db.query<Record<string, unknown>>(
      `SELECT
  COALESCE(SUM(CASE WHEN ${waiting} AND attempts = 0 THEN 1 ELSE 0 END), 0) AS queued,
  COALESCE(SUM(CASE WHEN ${waiting} AND attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying,
  COALESCE(SUM(CASE WHEN (${active}) AND lease_owner IS NOT NULL THEN 1 ELSE 0 END), 0) AS running,
  COALESCE(SUM(CASE WHEN (${failed}) AND cancelled_at IS NULL THEN 1 ELSE 0 END), 0) AS failed,
  COALESCE(SUM(CASE WHEN (${failed}) AND cancelled_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS cancelled,
  COALESCE(SUM(CASE WHEN ${done} THEN 1 ELSE 0 END), 0) AS done,
  MIN(CASE WHEN ${waiting} THEN created_at END) AS oldest_waiting
FROM ${this.spec.table}`,
    )
    const n = (key: string) => Number(row?.[key] ?? 0)
    const oldest = row?.oldest_waiting
    return {
      queued: n('queued'),
      running: n('running'),
      retrying: n('retrying'),
      failed: n('failed'),
      cancelled: n('cancelled'),
      done: n('done'),
      oldest_waiting: oldest == null ? null : String(oldest),
    }
  }

  /** pending says whether any job has not ended (queued, retrying or running). */
  async pending(): Promise<boolean> {
    const row = await this.k
      .selectFrom(this.spec.table)
      .select('id')
      .where(condition(this.spec.active))
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** runningJobs lists jobs with a lease (running, or lapsed and not yet taken over), raw. */
  async runningJobs(limit = 100): Promise<Record<string, unknown>[]> {
    return this.k
      .selectFrom(this.spec.table)
      .selectAll()
      .where(condition(this.spec.active))
      .where(sql<SqlBool>`lease_owner IS NOT NULL`)
      .orderBy('id')
      .limit(limit)
      .execute()
  }

  /** jobState returns a job's raw row and its state, or undefined when there is none. */
  async jobState(
    id: number,
  ): Promise<
    { row: Record<string, unknown>; state: keyof Omit<JobCounts, 'oldest_waiting'> } | undefined
  > {
    const { done, failed } = this.spec
    const [row] = await this.db.query<Record<string, unknown>>(
      `SELECT *, CASE WHEN ${done} THEN 'done' WHEN (${failed}) AND cancelled_at IS NOT NULL THEN 'cancelled' WHEN ${failed} THEN 'failed' WHEN lease_owner IS NOT NULL THEN 'running' WHEN attempts > 0 THEN 'retrying' ELSE 'queued' END AS job_state FROM ${this.spec.table} WHERE id = ${this.db.dialect.parameter(1)}`,
      [id],
    )
    if (!row) return undefined
    const { job_state: state, ...rest } = row
    return { row: rest, state: state as keyof Omit<JobCounts, 'oldest_waiting'> }
  }

  /** failedJobs lists failed (and cancelled) jobs, newest first, raw, with their attempts. */
  async failedJobs(
    limit = 100,
  ): Promise<(Record<string, unknown> & { job_attempts: JobAttempt[] })[]> {
    const rows = await this.k
      .selectFrom(this.spec.table)
      .selectAll()
      .where(condition(this.spec.failed))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    const attempts = await this.attemptsOf(rows.map((r) => Number(r.id)))
    return rows.map((r) => ({ ...r, job_attempts: attempts.get(Number(r.id)) ?? [] }))
  }

  /** attemptsOf returns every recorded attempt of the given jobs, in order, by job id. */
  async attemptsOf(ids: readonly number[]): Promise<Map<number, JobAttempt[]>> {
    const out = new Map<number, JobAttempt[]>()
    if (ids.length === 0) return out
    const rows = await this.k
      .selectFrom('job_attempts')
      .select(['job_id', 'attempt', 'worker', 'outcome', 'error', 'started_at', 'finished_at'])
      .where('job_id', 'in', [...ids])
      .orderBy('id')
      .execute()
    for (const r of rows) {
      const list = out.get(Number(r.job_id)) ?? []
      list.push({
        attempt: Number(r.attempt),
        worker: String(r.worker),
        outcome: r.outcome as AttemptOutcome,
        error: r.error == null ? null : String(r.error),
        started_at: r.started_at == null ? null : String(r.started_at),
        finished_at: String(r.finished_at),
      })
      out.set(Number(r.job_id), list)
    }
    return out
  }

  /** setLimit writes a provider's limits (null: no limit of that kind). */
  setLimit(limit: ProviderLimit): Promise<void> {
    return setLimit(this.db, limit)
  }

  /** limits lists the providers' limits. */
  limits(): Promise<ProviderLimit[]> {
    return listLimits(this.db)
  }
}
