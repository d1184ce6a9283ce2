import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely'
import { claimNext, claimNextQuery } from '../claim.js'
import { prepareQuery, type PreparedQuery } from '../prepared.js'
import type { Database, Executor } from '../database.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { backoffSeconds, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import type { AttemptOutcome } from './schema.js'

/**
 * JobTable describes a store's lifecycle table to the job runtime: which rows wait, run, ended
 * well or badly, in the seed's own statuses, and what a claim, a release and a failure write.
 * The conditions are SQL with literals only (the partial indexes serve literals, not
 * parameters). The runtime's own columns (schema.ts `jobColumns`) are the same in every store.
 */
export interface JobTable {
  table: string
  /** A job waiting to be claimed (its retry time aside), e.g. `status = 'pending' AND lease_owner IS NULL`. */
  queued: string
  /** A job not yet ended: waiting, running or retrying. */
  active: string
  /** A job that ended well. */
  done: string
  /** A job that ended badly (failed, or cancelled: `cancelled_at` set). */
  failed: string
  /** What a claim writes besides the lease (image-gen: `processing`, `started_at`). */
  claimSet(now: Date, worker: string): Record<string, unknown>
  /** What returns a claimed job to the queue for a retry. */
  releaseSet(): Record<string, unknown>
  /** What ends a job as failed with `error`. */
  failSet(error: string, now: Date): Record<string, unknown>
  /** What returns a failed job to the queue (`genmedia jobs retry`). */
  resetSet(): Record<string, unknown>
  /** Attempts a job gets before it fails for good (the store's maximum). */
  maxAttempts: number
}

/** Lease is a claimed job held by one worker for one attempt. */
export interface Lease {
  id: number
  worker: string
  /** The attempt this lease is (1 for the first). */
  attempt: number
  /** The claimed row as the database returned it (raw, not decoded). */
  row: Record<string, unknown>
  startedAt: Date
}

/** LeaseLostError: the job's lease lapsed and another worker took it, or it was released. */
export class LeaseLostError extends ConflictError {
  constructor(lease: Lease) {
    super(`job ${lease.id}: the lease of attempt ${lease.attempt} by ${lease.worker} was lost`)
  }
}

/** JobCounts is the queue at a glance (`genmedia jobs STORE`). */
export interface JobCounts {
  queued: number
  running: number
  retrying: number
  failed: number
  cancelled: number
  done: number
  /** When the longest-waiting job (queued or retrying) was created, or null. */
  oldest_waiting: string | null
}

/** JobAttempt is one attempt of a job and how it ended. */
export interface JobAttempt {
  attempt: number
  worker: string
  outcome: AttemptOutcome
  error: string | null
  started_at: string | null
  finished_at: string
}

/** ProviderLimit is a provider's limits held in the database (`job_limits`). */
export interface ProviderLimit {
  provider: string
  max_running: number | null
  per_minute: number | null
}

/** ClaimOptions: the worker, its lease and the provider its handler calls. */
export interface JobClaimOptions {
  worker: string
  leaseSeconds: number
  /** Claims respect this provider's limits (job_limits) and record it on the job. */
  provider?: string
  now?: Date
}

/** What a heartbeat learnt: the lease is lost, or a cancellation was asked for. */
export interface HeartbeatResult {
  lost: boolean
  cancelled: boolean
}

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000)

/**
 * JobQueue runs one store's job lifecycle: claims with a lease, heartbeats, recovery of lapsed
 * leases (by any worker, when it claims: no daemon), attempts counted and kept, retries with
 * backoff up to the store's maximum, then `failed` with every attempt's error, cancellation,
 * progress and per-provider limits. Every write a worker makes after its claim is fenced by its
 * lease (`lease_owner` and `attempts`): a worker whose lease another took writes nothing.
 */
export class JobQueue {
  readonly db: Database
  readonly spec: JobTable
  readonly #k: Kysely<any>

  constructor(db: Database, spec: JobTable) {
    this.db = db
    this.spec = spec
    this.#k = db.kysely as Kysely<any>
  }

  #raw(condition: string): RawBuilder<SqlBool> {
    return sql<SqlBool>`(${sql.raw(condition)})`
  }

  #leaseSet(options: JobClaimOptions, now: Date): Record<string, unknown> {
    return {
      ...this.spec.claimSet(now, options.worker),
      lease_owner: options.worker,
      lease_expires_at: addSeconds(now, options.leaseSeconds),
      attempts: sql`attempts + 1`,
      progress: null,
      ...(options.provider ? { provider: options.provider } : {}),
    }
  }

  #lease(row: Record<string, unknown>, worker: string, now: Date): Lease {
    return { id: Number(row.id), worker, attempt: Number(row.attempts), row, startedAt: now }
  }

  /**
   * claim takes the oldest queued job whose retry time has come, or undefined. With a
   * provider, the claim waits its turn on the provider's lock and takes nothing while the
   * provider runs `max_running` jobs or started `per_minute` in the current minute.
   */
  async claim(options: JobClaimOptions): Promise<Lease | undefined> {
    const now = options.now ?? new Date()
    if (!options.provider) {
      const row = await this.#preparedClaim(options, now)
      return row ? this.#lease(row, options.worker, now) : undefined
    }
    const where = () =>
      sql<SqlBool>`${this.#raw(this.spec.queued)} AND (run_after IS NULL OR run_after <= ${now})`
    const take = (executor: Executor) =>
      claimNext(
        this.db,
        { table: this.spec.table, where, orderBy: ['id'], set: this.#leaseSet(options, now) },
        executor,
      )
    const row = await this.#withinLimit(options.provider, now, take)
    return row ? this.#lease(row, options.worker, now) : undefined
  }

  #claimTemplate:
    { prepared: PreparedQuery<Record<string, unknown>>; parameters: readonly unknown[] } | undefined

  /**
   * The queue claim without a provider, the hot path: its statement is built and compiled once
   * (with a marker for each value that changes) and runs on the engine's direct path where it
   * has one; each run fills the markers with this claim's values.
   */
  async #preparedClaim(
    options: JobClaimOptions,
    now: Date,
  ): Promise<Record<string, unknown> | undefined> {
    const marker = (name: string) => `\u0000genmedia-claim:${name}`
    if (!this.#claimTemplate) {
      const sample = this.spec.claimSet(now, options.worker)
      const set: Record<string, unknown> = {
        ...Object.fromEntries(Object.keys(sample).map((key) => [key, marker(`set:${key}`)])),
        lease_owner: marker('worker'),
        lease_expires_at: marker('expires'),
        attempts: sql`attempts + 1`,
        progress: null,
      }
      const where = () =>
        sql<SqlBool>`${this.#raw(this.spec.queued)} AND (run_after IS NULL OR run_after <= ${marker('now')})`
      const build = (k: Kysely<any>) =>
        claimNextQuery(this.db, { table: this.spec.table, where, orderBy: ['id'], set }, k)
      this.#claimTemplate = {
        prepared: prepareQuery(this.db, build),
        parameters: build(this.#k).compile().parameters,
      }
    }
    const values = this.spec.claimSet(now, options.worker)
    const valueOf = (name: string): unknown => {
      if (name === 'now') return now
      if (name === 'worker') return options.worker
      if (name === 'expires') return addSeconds(now, options.leaseSeconds)
      return values[name.slice('set:'.length)]
    }
    const prefix = marker('')
    const parameters = this.#claimTemplate.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(prefix) ? valueOf(p.slice(prefix.length)) : p,
    )
    return this.#claimTemplate.prepared.takeFirst(parameters)
  }

  /**
   * claimLapsed takes a job whose lease lapsed (its worker died or stalled): the lost attempt is
   * recorded (`lost`, with the old worker), and the job is claimed for its next attempt, or,
   * when it had its last attempt, ends `failed`. Undefined when no lease has lapsed.
   */
  async claimLapsed(options: JobClaimOptions): Promise<Lease | undefined> {
    const now = options.now ?? new Date()
    const take = async (trx: Executor): Promise<Record<string, unknown> | undefined> => {
      let candidate = (trx as Kysely<any>)
        .selectFrom(this.spec.table)
        .select(['id', 'lease_owner', 'attempts', 'lease_expires_at', 'cancelled_at'])
        .where(sql<SqlBool>`lease_owner IS NOT NULL`)
        .where('lease_expires_at', '<', now)
        .where(this.#raw(this.spec.active))
        .orderBy('lease_expires_at')
        .limit(1)
      if (this.db.dialect.supportsSkipLocked) candidate = candidate.forUpdate().skipLocked()
      const old = await candidate.executeTakeFirst()
      if (!old) return undefined
      const attempt = Number(old.attempts)
      await this.#recordAttempt(trx, Number(old.id), attempt, String(old.lease_owner), 'lost', {
        error: `lease expired at ${String(old.lease_expires_at)}: the worker stopped heartbeating`,
      })
      const exhausted = attempt >= this.spec.maxAttempts || old.cancelled_at != null
      const set = exhausted
        ? {
            ...this.spec.failSet(
              old.cancelled_at != null
                ? 'cancelled'
                : `lost its lease in each of ${attempt} attempts`,
              now,
            ),
            lease_owner: null,
            lease_expires_at: null,
          }
        : this.#leaseSet(options, now)
      const row = await (trx as Kysely<any>)
        .updateTable(this.spec.table)
        .set(set)
        .where('id', '=', old.id)
        .where('lease_owner', '=', old.lease_owner)
        .where('attempts', '=', old.attempts)
        .returningAll()
        .executeTakeFirst()
      return exhausted ? undefined : row
    }
    const row = await this.db.transaction((trx) =>
      options.provider ? this.#withinLimit(options.provider, now, take, trx) : take(trx),
    )
    return row ? this.#lease(row, options.worker, now) : undefined
  }

  async #withinLimit(
    provider: string,
    now: Date,
    take: (executor: Executor) => Promise<Record<string, unknown> | undefined>,
    outer?: Executor,
  ): Promise<Record<string, unknown> | undefined> {
    const body = async (trx: Executor) => {
      const lock = this.db.dialect.transactionLock(`genmedia-job-provider:${provider}`)
      if (lock) await this.db.query(lock, [], trx)
      const k = trx as Kysely<any>
      const limit = await k
        .selectFrom('job_limits')
        .selectAll()
        .where('provider', '=', provider)
        .executeTakeFirst()
      if (limit?.max_running != null) {
        const running = await k
          .selectFrom(this.spec.table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('provider', '=', provider)
          .where(sql<SqlBool>`lease_owner IS NOT NULL`)
          .where('lease_expires_at', '>=', now)
          .where(this.#raw(this.spec.active))
          .executeTakeFirstOrThrow()
        if (Number(running.n) >= Number(limit.max_running)) return undefined
      }
      let windowStart =
        limit?.window_start == null ? undefined : new Date(String(limit.window_start))
      let windowCount = Number(limit?.window_count ?? 0)
      if (limit?.per_minute != null) {
        if (!windowStart || now.getTime() - windowStart.getTime() >= 60_000) {
          windowStart = now
          windowCount = 0
        }
        if (windowCount >= Number(limit.per_minute)) return undefined
      }
      const row = await take(trx)
      if (row && limit?.per_minute != null) {
        await k
          .updateTable('job_limits')
          .set({ window_start: windowStart, window_count: windowCount + 1 })
          .where('provider', '=', provider)
          .execute()
      }
      return row
    }
    return outer ? body(outer) : this.db.transaction(body)
  }

  /**
   * heartbeat extends the lease by `leaseSeconds` from now (and writes progress when given);
   * says whether the lease was lost or a cancellation asked for.
   */
  async heartbeat(lease: Lease, leaseSeconds: number, progress?: number): Promise<HeartbeatResult> {
    const row = await this.db.run((k) =>
      this.#fenced(k, lease)
        .set({
          lease_expires_at: addSeconds(new Date(), leaseSeconds),
          ...(progress === undefined ? {} : { progress }),
        })
        .returning(['cancelled_at'])
        .executeTakeFirst(),
    )
    return { lost: !row, cancelled: row?.cancelled_at != null }
  }

  #fenced(k: Executor, lease: Lease) {
    return (k as Kysely<any>)
      .updateTable(this.spec.table)
      .where('id', '=', lease.id)
      .where('lease_owner', '=', lease.worker)
      .where('attempts', '=', lease.attempt)
  }

  async #end(
    trx: Executor,
    lease: Lease,
    set: Record<string, unknown>,
    outcome: AttemptOutcome,
    error?: string,
  ): Promise<void> {
    const result = await this.#fenced(trx, lease)
      .set({ ...set, lease_owner: null, lease_expires_at: null })
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) throw new LeaseLostError(lease)
    await this.#recordAttempt(trx, lease.id, lease.attempt, lease.worker, outcome, {
      error,
      startedAt: lease.startedAt,
    })
  }

  async #recordAttempt(
    trx: Executor,
    jobId: number,
    attempt: number,
    worker: string,
    outcome: AttemptOutcome,
    extra: { error?: string; startedAt?: Date },
  ): Promise<void> {
    await (trx as Kysely<any>)
      .insertInto('job_attempts')
      .values({
        job_id: jobId,
        attempt,
        worker,
        outcome,
        error: extra.error ?? null,
        started_at: extra.startedAt ?? null,
        finished_at: new Date(),
      })
      .execute()
  }

  /**
   * complete ends the job well in one transaction: writes `set` (the seed's completion: status,
   * results), runs `write` (the store's rows: image-gen's generated_images) and records the
   * attempt. Throws LeaseLostError, writing nothing, when the lease is no longer this worker's.
   */
  async complete(
    lease: Lease,
    set: Record<string, unknown>,
    write?: (trx: Executor) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      await this.#end(trx, lease, { ...set, run_after: null }, 'completed')
      if (write) await write(trx)
    })
  }

  /**
   * fail ends the attempt with `error`: the job waits for a retry (backoff with jitter) while it
   * has attempts left, else it ends failed. Returns what happened and when the retry may run.
   */
  async fail(
    lease: Lease,
    error: string,
    backoff: BackoffOptions = DEFAULT_BACKOFF,
  ): Promise<{ outcome: 'retry' | 'failed'; retryAt?: Date }> {
    const now = new Date()
    if (lease.attempt < this.spec.maxAttempts) {
      const retryAt = addSeconds(now, backoffSeconds(lease.attempt, backoff))
      await this.db.transaction((trx) =>
        this.#end(trx, lease, { ...this.spec.releaseSet(), run_after: retryAt }, 'retry', error),
      )
      return { outcome: 'retry', retryAt }
    }
    await this.db.transaction((trx) =>
      this.#end(trx, lease, this.spec.failSet(error, now), 'failed', error),
    )
    return { outcome: 'failed' }
  }

  /** cancelled ends a job whose cancellation its worker learnt of: failed, as "cancelled". */
  async cancelled(lease: Lease): Promise<void> {
    await this.db.transaction((trx) =>
      this.#end(trx, lease, this.spec.failSet('cancelled', new Date()), 'cancelled', 'cancelled'),
    )
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
        .where(this.#raw(this.spec.active))
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
        .where(this.#raw(this.spec.failed))
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

  async #assertExists(id: number, executor: Executor = this.#k): Promise<void> {
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
    const row = await this.#k
      .selectFrom(this.spec.table)
      .select('id')
      .where(this.#raw(this.spec.active))
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  /** runningJobs lists jobs with a lease (running, or lapsed and not yet taken over), raw. */
  async runningJobs(limit = 100): Promise<Record<string, unknown>[]> {
    return this.#k
      .selectFrom(this.spec.table)
      .selectAll()
      .where(this.#raw(this.spec.active))
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
    const rows = await this.#k
      .selectFrom(this.spec.table)
      .selectAll()
      .where(this.#raw(this.spec.failed))
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
    const rows = await this.#k
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
  async setLimit(limit: ProviderLimit): Promise<void> {
    for (const [key, value] of [
      ['max_running', limit.max_running],
      ['per_minute', limit.per_minute],
    ] as const) {
      if (value !== null && (!Number.isInteger(value) || value < 1)) {
        throw new ValidationError(`${key}: must be a whole number of 1 or more, got ${value}`, key)
      }
    }
    await this.db.run((k) =>
      (k as Kysely<any>)
        .insertInto('job_limits')
        .values({ ...limit, window_count: 0 })
        .onConflict((oc) =>
          oc
            .column('provider')
            .doUpdateSet({ max_running: limit.max_running, per_minute: limit.per_minute }),
        )
        .execute(),
    )
  }

  /** limits lists the providers' limits. */
  async limits(): Promise<ProviderLimit[]> {
    const rows = await this.#k.selectFrom('job_limits').selectAll().orderBy('provider').execute()
    return rows.map((r) => ({
      provider: String(r.provider),
      max_running: r.max_running == null ? null : Number(r.max_running),
      per_minute: r.per_minute == null ? null : Number(r.per_minute),
    }))
  }
}
