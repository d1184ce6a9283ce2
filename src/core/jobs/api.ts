import { z } from 'zod'
import { idParams, limitQuery, type ApiRoute } from '../api.js'
import { NotFoundError } from '../errors.js'
import { ATTEMPT_OUTCOMES } from './schema.js'
import { JobQueue } from './queue.js'
import type { JobPipeline } from './runner.js'

const countsSchema = z.object({
  queued: z.number(),
  running: z.number(),
  retrying: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  done: z.number(),
  oldest_waiting: z.string().nullable(),
  limits: z.array(
    z.object({
      provider: z.string(),
      max_running: z.number().nullable(),
      per_minute: z.number().nullable(),
    }),
  ),
})

const attemptSchema = z.object({
  attempt: z.number(),
  worker: z.string(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  error: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string(),
})

const JOB_STATES = ['queued', 'running', 'retrying', 'failed', 'cancelled', 'done'] as const

/** A column of the job's row as its state shows it: the value as text, or null (`text` in describe). */
const rowText = z.string().nullable()

/** A job as the queue sees it: its state, attempts, lease and progress (of `total` units). */
const jobStateSchema = z.object({
  id: z.number(),
  state: z.enum(JOB_STATES),
  attempts: z.number(),
  progress: z.number().nullable(),
  total: z.number().nullable(),
  lease_owner: rowText,
  lease_expires_at: rowText,
  run_after: rowText,
  provider: rowText,
  error_message: rowText,
  job_attempts: z.array(attemptSchema),
})
type JobState = z.infer<typeof jobStateSchema>

/**
 * jobQueueRoutes are the HTTP side of `genmedia jobs` for a store with a job lifecycle, under
 * `/api/<store>/queue`: counts, running jobs with progress, failed jobs with every attempt, one
 * job's state, cancel and retry. Admin only.
 */
export function jobQueueRoutes(pipeline: JobPipeline): ApiRoute[] {
  const queueOf = (ctx: { db: import('../database.js').Database }) =>
    new JobQueue(ctx.db, pipeline.table)

  const describe = async (
    queue: JobQueue,
    rows: Record<string, unknown>[],
    state: (row: Record<string, unknown>) => JobState['state'],
  ): Promise<JobState[]> => {
    const attempts = await queue.attemptsOf(rows.map((r) => Number(r.id)))
    const text = (v: unknown) => (v == null ? null : String(v))
    return rows.map((r) => ({
      id: Number(r.id),
      state: state(r),
      attempts: Number(r.attempts),
      progress: r.progress == null ? null : Number(r.progress),
      total: pipeline.total?.(r) ?? null,
      lease_owner: text(r.lease_owner),
      lease_expires_at: text(r.lease_expires_at),
      run_after: text(r.run_after),
      provider: text(r.provider),
      error_message: text(r.error_message),
      job_attempts: attempts.get(Number(r.id)) ?? [],
    }))
  }

  return [
    {
      method: 'GET',
      path: '/queue',
      summary:
        'The job queue: counts by state (queued, running, retrying, failed, cancelled, done), the oldest waiting job, provider limits',
      response: countsSchema,
      handler: async (ctx) => {
        const queue = queueOf(ctx)
        return { ...(await queue.counts()), limits: await queue.limits() }
      },
    },
    {
      method: 'GET',
      path: '/queue/running',
      summary: 'Running jobs with their worker, lease and progress (units done of total)',
      query: limitQuery(100),
      response: z.array(jobStateSchema),
      handler: async (ctx) => {
        const queue = queueOf(ctx)
        return describe(queue, await queue.runningJobs(ctx.query.limit), () => 'running')
      },
    },
    {
      method: 'GET',
      path: '/queue/failed',
      summary:
        'Failed and cancelled jobs, newest first, with every attempt’s worker, outcome and error',
      query: limitQuery(50),
      response: z.array(jobStateSchema),
      handler: async (ctx) => {
        const queue = queueOf(ctx)
        return describe(queue, await queue.failedJobs(ctx.query.limit), (r) =>
          r.cancelled_at == null ? 'failed' : 'cancelled',
        )
      },
    },
    {
      method: 'GET',
      path: '/queue/:id',
      summary: 'One job’s state, attempts and progress',
      params: idParams,
      response: jobStateSchema,
      handler: async (ctx) => {
        const queue = queueOf(ctx)
        const found = await queue.jobState(ctx.params.id)
        if (!found) throw new NotFoundError(`job ${ctx.params.id} does not exist`)
        const [job] = await describe(queue, [found.row], () => found.state)
        return job
      },
    },
    {
      method: 'POST',
      path: '/queue/:id/cancel',
      summary:
        'Cancel a job: a waiting one ends at once (cancelled); a running one is aborted at its worker’s next heartbeat (cancelling). 409 if it has ended',
      params: idParams,
      response: z.object({ id: z.number(), state: z.enum(['cancelled', 'cancelling']) }),
      handler: async (ctx) => ({
        id: ctx.params.id,
        state: await queueOf(ctx).cancel(ctx.params.id),
      }),
    },
    {
      method: 'POST',
      path: '/queue/:id/retry',
      summary: 'Queue a failed job again with a fresh count of attempts (409 if it has not failed)',
      params: idParams,
      response: z.object({ retried: z.number() }),
      handler: async (ctx) => ({ retried: await queueOf(ctx).retry(ctx.params.id) }),
    },
    {
      method: 'POST',
      path: '/queue/retry-failed',
      summary: 'Queue every failed job again',
      response: z.object({ retried: z.number() }),
      handler: async (ctx) => ({ retried: await queueOf(ctx).retry() }),
    },
  ]
}
