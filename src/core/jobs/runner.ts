import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Executor } from '../database.js'
import type { OpenStore } from '../store.js'
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { JobQueue, LeaseLostError, type JobTable, type Lease } from './queue.js'

/** JobContext is what a handler gets besides the job. */
export interface JobContext {
  /** Aborts when the job is cancelled or its lease is lost: stop and throw. */
  signal: AbortSignal
  /** Reports units done (image-gen: shots done of number_of_shots). */
  progress(done: number): void
  /** Writes a line to the worker's log. */
  log(message: string): void
  /** This attempt (1 for the first). */
  attempt: number
  /** The worker running it. */
  worker: string
}

/** JobHandler does one job's work and returns its result (the store's contract, docs/worker.md). */
export type JobHandler = (job: Record<string, unknown>, ctx: JobContext) => Promise<unknown>

/**
 * Completion is how a store ends a job well: what the job's row gets, the rows written in the
 * same transaction, and what to undo (objects written first) when that transaction fails.
 */
export interface Completion {
  set: Record<string, unknown>
  write?(trx: Executor): Promise<void>
  undo?(): Promise<void>
}

/**
 * JobPipeline is a store's lifecycle as the worker runs it: its table, the job a handler gets
 * for a claimed row, and how a handler's result completes the job (the seed's data flow).
 */
export interface JobPipeline<Repo = any> {
  table: JobTable
  /** The job a handler gets: the claimed row decoded (image-gen adds its reference images). */
  prepare(store: OpenStore<Repo>, row: Record<string, unknown>): Promise<Record<string, unknown>>
  /** Units of progress the job has (image-gen: number_of_shots), when it has a count. */
  total?(job: Record<string, unknown>): number | undefined
  /** Validates a handler's result and turns it into the completion (ValidationError if bad). */
  complete(
    store: OpenStore<Repo>,
    job: Record<string, unknown>,
    result: unknown,
    info: { lease: Lease; elapsedSeconds: number },
  ): Promise<Completion>
}

/** WorkerEvent is one thing a worker did, printed as a JSON line under `--json`. */
export type WorkerEvent =
  | { event: 'started'; worker: string; concurrency: number }
  | { event: 'claimed'; job: number; attempt: number; recovered: boolean }
  | { event: 'progress'; job: number; done: number; total?: number }
  | { event: 'completed'; job: number; attempt: number; seconds: number }
  | { event: 'retry'; job: number; attempt: number; error: string; retry_at: string }
  | { event: 'failed'; job: number; attempt: number; error: string }
  | { event: 'cancelled'; job: number; attempt: number }
  | { event: 'lost'; job: number; attempt: number }
  | { event: 'log'; job: number; message: string }
  | { event: 'error'; message: string }

/** WorkerSummary counts what one worker process did. */
export interface WorkerSummary {
  worker: string
  completed: number
  retried: number
  failed: number
  cancelled: number
  lost: number
}

export interface WorkerOptions<Repo = any> {
  store: OpenStore<Repo>
  pipeline: JobPipeline<Repo>
  handler: JobHandler
  /** The worker's id (default host:pid:random). */
  worker?: string
  /** Jobs run at once in this process (default 1). */
  concurrency?: number
  /** Lease length; heartbeats extend it every third of it (default 30 s). */
  leaseSeconds?: number
  /** Work until no job is queued, retrying or running, then return. */
  drain?: boolean
  /** The provider the handler calls: claims respect its limits (job_limits). */
  provider?: string
  /** Attempts before a job fails for good (default the store's). */
  maxAttempts?: number
  backoff?: BackoffOptions
  /** Aborting it stops claiming; running handlers finish (graceful stop). */
  stop?: AbortSignal
  onEvent?(event: WorkerEvent): void
  /** How long an idle worker waits before it looks again (default 250 ms). */
  pollMs?: number
}

/** The default worker id: host, process and a random suffix. */
export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
}

class CancelledError extends Error {
  constructor() {
    super('cancelled')
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.trim() || 'the handler failed without a message'
}

/** abortable settles with `promise`, or rejects as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * runWorker claims and runs jobs of one store with `concurrency` slots until `stop` aborts (or,
 * with `drain`, until no job is left): each job under a lease its heartbeats extend, completed
 * through the store's pipeline, failed into a retry or for good, cancelled when asked. Lapsed
 * leases of other workers are taken over as it goes.
 */
export async function runWorker<Repo>(options: WorkerOptions<Repo>): Promise<WorkerSummary> {
  const worker = options.worker ?? workerId()
  const spec = {
    ...options.pipeline.table,
    maxAttempts: options.maxAttempts ?? options.pipeline.table.maxAttempts,
  }
  const queue = new JobQueue(options.store.db, spec)
  const leaseSeconds = options.leaseSeconds ?? 30
  const pollMs = options.pollMs ?? 250
  const emit = options.onEvent ?? (() => {})
  const summary: WorkerSummary = {
    worker,
    completed: 0,
    retried: 0,
    failed: 0,
    cancelled: 0,
    lost: 0,
  }
  const claimOptions = { worker, leaseSeconds, provider: options.provider }
  let lastLapsedCheck = 0

  const claim = async (): Promise<{ lease: Lease; recovered: boolean } | undefined> => {
    // Lapsed leases are looked for now and then, and whenever the queue is empty.
    if (Date.now() - lastLapsedCheck > (leaseSeconds * 1000) / 2) {
      lastLapsedCheck = Date.now()
      const lease = await queue.claimLapsed(claimOptions)
      if (lease) return { lease, recovered: true }
    }
    const lease = await queue.claim(claimOptions)
    if (lease) return { lease, recovered: false }
    lastLapsedCheck = Date.now()
    const lapsed = await queue.claimLapsed(claimOptions)
    return lapsed ? { lease: lapsed, recovered: true } : undefined
  }

  const runJob = async (lease: Lease): Promise<void> => {
    const controller = new AbortController()
    let progress: number | undefined
    let beat: Promise<void> = Promise.resolve()
    const heartbeat = () => {
      beat = beat.then(async () => {
        if (controller.signal.aborted) return
        try {
          const result = await queue.heartbeat(lease, leaseSeconds, progress)
          if (result.lost) controller.abort(new LeaseLostError(lease))
          else if (result.cancelled) controller.abort(new CancelledError())
        } catch (error) {
          emit({ event: 'error', message: `heartbeat of job ${lease.id}: ${messageOf(error)}` })
        }
      })
    }
    const timer = setInterval(heartbeat, Math.max(100, (leaseSeconds * 1000) / 3))
    const started = Date.now()
    try {
      if (lease.row.cancelled_at != null) throw new CancelledError()
      const job = await options.pipeline.prepare(options.store, lease.row)
      const total = options.pipeline.total?.(job)
      const ctx: JobContext = {
        signal: controller.signal,
        attempt: lease.attempt,
        worker,
        progress(done: number) {
          if (!Number.isFinite(done)) return
          progress = Math.trunc(done)
          emit({ event: 'progress', job: lease.id, done: progress, total })
          heartbeat()
        },
        log(message: string) {
          emit({ event: 'log', job: lease.id, message })
        },
      }
      const result = await abortable(
        Promise.resolve().then(() => options.handler(job, ctx)),
        controller.signal,
      )
      controller.signal.throwIfAborted()
      const elapsedSeconds = (Date.now() - started) / 1000
      const completion = await options.pipeline.complete(options.store, job, result, {
        lease,
        elapsedSeconds,
      })
      await beat
      try {
        await queue.complete(lease, completion.set, completion.write)
      } catch (error) {
        await completion.undo?.()
        throw error
      }
      summary.completed++
      emit({
        event: 'completed',
        job: lease.id,
        attempt: lease.attempt,
        seconds: Math.round(elapsedSeconds * 1000) / 1000,
      })
    } catch (error) {
      await beat
      await settle(lease, error)
    } finally {
      clearInterval(timer)
    }
  }

  const settle = async (lease: Lease, error: unknown): Promise<void> => {
    try {
      if (error instanceof CancelledError) {
        await queue.cancelled(lease)
        summary.cancelled++
        emit({ event: 'cancelled', job: lease.id, attempt: lease.attempt })
      } else if (error instanceof LeaseLostError) {
        summary.lost++
        emit({ event: 'lost', job: lease.id, attempt: lease.attempt })
      } else {
        const message = messageOf(error)
        const outcome = await queue.fail(lease, message, options.backoff ?? DEFAULT_BACKOFF)
        if (outcome.outcome === 'retry') {
          summary.retried++
          emit({
            event: 'retry',
            job: lease.id,
            attempt: lease.attempt,
            error: message,
            retry_at: outcome.retryAt!.toISOString(),
          })
        } else {
          summary.failed++
          emit({ event: 'failed', job: lease.id, attempt: lease.attempt, error: message })
        }
      }
    } catch (settleError) {
      if (settleError instanceof LeaseLostError) {
        summary.lost++
        emit({ event: 'lost', job: lease.id, attempt: lease.attempt })
      } else {
        emit({ event: 'error', message: `job ${lease.id}: ${messageOf(settleError)}` })
      }
    }
  }

  const slot = async (): Promise<void> => {
    while (!options.stop?.aborted) {
      let claimed: Awaited<ReturnType<typeof claim>>
      try {
        claimed = await claim()
      } catch (error) {
        emit({ event: 'error', message: `claim: ${messageOf(error)}` })
        await sleep(pollMs * 4, options.stop)
        continue
      }
      if (claimed) {
        emit({
          event: 'claimed',
          job: claimed.lease.id,
          attempt: claimed.lease.attempt,
          recovered: claimed.recovered,
        })
        await runJob(claimed.lease)
        continue
      }
      if (options.drain && !(await queue.pending())) return
      // Jitter keeps idle workers from polling in step.
      await sleep(pollMs * (0.5 + Math.random()), options.stop)
    }
  }

  const concurrency = Math.max(1, options.concurrency ?? 1)
  // Whoever runs the worker learns that its start-up is over: from here on it claims.
  emit({ event: 'started', worker, concurrency })
  await Promise.all(Array.from({ length: concurrency }, () => slot()))
  return summary
}
