import { isExpression, sql, type Kysely, type SqlBool } from 'kysely'
import { claimNext, claimNextQuery } from '../claim.js'
import { prepareMarked, type MarkedQuery } from '../prepared.js'
import type { Executor } from '../database.js'
import { ConflictError } from '../errors.js'
import { JobAdmin, condition } from './admin.js'
import { backoffSeconds, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { withinLimit } from './limits.js'
import {
  attemptValues,
  endBoth,
  endInsert,
  endUpdate,
  fencedUpdate,
  MAX_END_SHAPES,
  type EndStatements,
  type EndValues,
} from './attempt-end.js'
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
  /** What ends a job as failed with `error` (at most MAX_JOB_ERROR characters of it). */
  failSet(error: string, now: Date): Record<string, unknown>
  /** What returns a failed job to the queue (`genmedia jobs retry`). */
  resetSet(): Record<string, unknown>
  /** Attempts a job gets before it fails for good (the store's maximum). */
  maxAttempts: number
}

/** The most characters of a handler's error a job's own row keeps (what `failSet` is given). */
export const MAX_JOB_ERROR = 10_000

/**
 * STATUS_ENDS are `done` and `failed` of a JobTable whose lifecycle ends in its `status` column
 * as both seeds' do: `completed` or `failed`.
 */
export const STATUS_ENDS = { done: "status = 'completed'", failed: "status = 'failed'" } as const

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
 * progress and per-provider limits (limits.ts); what operators do besides is JobAdmin's
 * (admin.ts). Every write a worker makes after its claim is fenced by its lease (`lease_owner`
 * and `attempts`): a worker whose lease another took writes nothing.
 */
export class JobQueue extends JobAdmin {
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
      sql<SqlBool>`${condition(this.spec.queued)} AND (run_after IS NULL OR run_after <= ${now})`
    const take = (executor: Executor) =>
      claimNext(
        this.db,
        { table: this.spec.table, where, orderBy: ['id'], set: this.#leaseSet(options, now) },
        executor,
      )
    const row = await withinLimit(this.db, this.spec, options.provider, now, take)
    return row ? this.#lease(row, options.worker, now) : undefined
  }

  #claimStatement: MarkedQuery<Record<string, unknown>> | undefined

  /**
   * The queue claim without a provider, the hot path: its statement is built and compiled once
   * (with a marker for each value that changes) and runs on the engine's direct path where it
   * has one; each run fills the markers with this claim's values.
   */
  async #preparedClaim(
    options: JobClaimOptions,
    now: Date,
  ): Promise<Record<string, unknown> | undefined> {
    this.#claimStatement ??= prepareMarked(this.db, (k: Kysely<any>, marker) => {
      const sample = this.spec.claimSet(now, options.worker)
      const set: Record<string, unknown> = {
        ...Object.fromEntries(Object.keys(sample).map((key) => [key, marker(`set:${key}`)])),
        lease_owner: marker('worker'),
        lease_expires_at: marker('expires'),
        attempts: sql`attempts + 1`,
        progress: null,
      }
      const where = () =>
        sql<SqlBool>`${condition(this.spec.queued)} AND (run_after IS NULL OR run_after <= ${marker('now')})`
      return claimNextQuery(this.db, { table: this.spec.table, where, orderBy: ['id'], set }, k)
    })
    const values = this.spec.claimSet(now, options.worker)
    return this.#claimStatement.takeFirst((name) => {
      if (name === 'now') return now
      if (name === 'worker') return options.worker
      if (name === 'expires') return addSeconds(now, options.leaseSeconds)
      return values[name.slice('set:'.length)]
    })
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
        .where(condition(this.spec.active))
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
      const row = await fencedUpdate(trx, this.spec.table, old.id, old.lease_owner, old.attempts)
        .set(set)
        .returningAll()
        .executeTakeFirst()
      return exhausted ? undefined : row
    }
    const row = await this.db.transaction((trx) =>
      options.provider
        ? withinLimit(this.db, this.spec, options.provider, now, take, trx)
        : take(trx),
    )
    return row ? this.#lease(row, options.worker, now) : undefined
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
    return fencedUpdate(k, this.spec.table, lease.id, lease.worker, lease.attempt)
  }

  /** The statements #end runs, by the columns they set, in their order: at most MAX_END_SHAPES. */
  #endShapes = new Map<string, EndStatements>()

  /**
   * #end ends the lease's attempt: writes `set` to the job's row (fenced by the lease, and the
   * lease cleared) and records the attempt. Where the engine has writable CTEs (PostgreSQL) one
   * statement does both, so an end without other rows is one round trip and no transaction (no
   * `executor`: #endAlone); elsewhere two statements in `executor`'s transaction. The statements
   * are compiled once per shape of `set` (#endStatements). LeaseLostError, writing nothing,
   * when the lease is no longer this worker's.
   */
  async #end(
    executor: Executor | undefined,
    lease: Lease,
    set: Record<string, unknown>,
    outcome: AttemptOutcome,
    error?: string,
  ): Promise<void> {
    // A column given as undefined is left as it is, as Kysely's `set` leaves it: a compiled
    // statement would write NULL there.
    const columns: Record<string, unknown> = Object.fromEntries(
      Object.entries({ ...set, lease_owner: null, lease_expires_at: null }).filter(
        ([, value]) => value !== undefined,
      ),
    )
    const values: EndValues = {
      set: columns,
      id: lease.id,
      worker: lease.worker,
      attempt: lease.attempt,
      outcome,
      error: error ?? null,
      started_at: lease.startedAt,
      finished_at: new Date(),
    }
    const statements = this.#endStatements(columns)
    const valueOf = (name: string): unknown =>
      name.startsWith('set:')
        ? columns[name.slice('set:'.length)]
        : values[name as Exclude<keyof EndValues, 'set'>]
    if (this.db.dialect.supportsWritableCte) {
      let row: unknown
      if (!statements) {
        row = await endBoth(executor ?? this.k, this.spec.table, values).executeTakeFirst()
      } else if (!executor) {
        row = await statements.both.takeFirst(valueOf)
      } else {
        row = (await executor.executeQuery(statements.both.compiled(valueOf))).rows[0]
      }
      if (!row) throw new LeaseLostError(lease)
      return
    }
    const trx = executor ?? this.k
    const updated = statements
      ? (await trx.executeQuery(statements.update.compiled(valueOf))).numAffectedRows
      : (await endUpdate(trx, this.spec.table, values).executeTakeFirst()).numUpdatedRows
    if (Number(updated ?? 0) === 0) throw new LeaseLostError(lease)
    if (statements) await trx.executeQuery(statements.insert.compiled(valueOf))
    else await endInsert(trx, values).execute()
  }

  /**
   * #endStatements are the statements that end an attempt setting `columns`, compiled once:
   * undefined where a value is an SQL expression (part of the statement's text, so built for
   * its call), or when MAX_END_SHAPES shapes are kept already.
   */
  #endStatements(columns: Record<string, unknown>): EndStatements | undefined {
    if (Object.values(columns).some((v) => isExpression(v))) return undefined
    const shape = Object.keys(columns).join('\u0000')
    let statements = this.#endShapes.get(shape)
    if (statements || this.#endShapes.size >= MAX_END_SHAPES) return statements
    const marked = (marker: (name: string) => string): EndValues => ({
      set: Object.fromEntries(Object.keys(columns).map((c) => [c, marker(`set:${c}`)])),
      id: marker('id'),
      worker: marker('worker'),
      attempt: marker('attempt'),
      outcome: marker('outcome'),
      error: marker('error'),
      started_at: marker('started_at'),
      finished_at: marker('finished_at'),
    })
    const table = this.spec.table
    statements = {
      both: prepareMarked(this.db, (k: Kysely<any>, m) => endBoth(k, table, marked(m))),
      update: prepareMarked(this.db, (k: Kysely<any>, m) => endUpdate(k, table, marked(m))),
      insert: prepareMarked(this.db, (k: Kysely<any>, m) => endInsert(k, marked(m))),
    }
    this.#endShapes.set(shape, statements)
    return statements
  }

  /** #endAlone is #end in a statement of its own where it is one, else in a transaction. */
  async #endAlone(
    lease: Lease,
    set: Record<string, unknown>,
    outcome: AttemptOutcome,
    error?: string,
  ): Promise<void> {
    if (this.db.dialect.supportsWritableCte) {
      await this.db.run(() => this.#end(undefined, lease, set, outcome, error))
    } else {
      await this.db.transaction((trx) => this.#end(trx, lease, set, outcome, error))
    }
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
      .values(attemptValues(jobId, attempt, worker, outcome, extra))
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
    const completion = { ...set, run_after: null }
    if (!write) return this.#endAlone(lease, completion, 'completed')
    await this.db.transaction(async (trx) => {
      await this.#end(trx, lease, completion, 'completed')
      await write(trx)
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
      await this.#endAlone(lease, { ...this.spec.releaseSet(), run_after: retryAt }, 'retry', error)
      return { outcome: 'retry', retryAt }
    }
    await this.#endAlone(
      lease,
      this.spec.failSet(error.slice(0, MAX_JOB_ERROR), now),
      'failed',
      error,
    )
    return { outcome: 'failed' }
  }

  /** cancelled ends a job whose cancellation its worker learnt of: failed, as "cancelled". */
  async cancelled(lease: Lease): Promise<void> {
    await this.#endAlone(
      lease,
      this.spec.failSet('cancelled', new Date()),
      'cancelled',
      'cancelled',
    )
  }
}
