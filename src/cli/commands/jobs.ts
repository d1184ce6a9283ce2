import type { Command } from 'commander'
import { JobQueue, type OpenStore, type StoreDefinition } from '../../core/index.js'
import { CliError, fieldColumns, printJson, printTable, run } from '../output.js'
import { openExistingStore, selectStore } from '../stores.js'

interface JobsOptions {
  failed?: boolean
  all?: boolean
  maxRunning?: string
  perMinute?: string
  limit: string
  json?: boolean
}

const ACTIONS = ['retry', 'cancel', 'limit'] as const

function jobId(value: string | undefined, action: string): number {
  const id = Number(value)
  if (!value || !Number.isInteger(id) || id < 1) {
    throw new CliError(
      `jobs ${action}: expected a job id (a whole number), got ${value ?? 'none'}`,
      2,
    )
  }
  return id
}

function optionalLimit(name: string, value: string | undefined): number | null {
  if (value === undefined || value === 'none') return null
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(`--${name}: expected a whole number of 1 or more (or none), got ${value}`, 2)
  }
  return n
}

/** queueOf opens the job queue of a store that has jobs. */
function queueOf(definition: StoreDefinition, store: OpenStore): JobQueue {
  if (!definition.jobs) throw new CliError(`the ${definition.name} store has no jobs`, 2)
  return new JobQueue(store.db, definition.jobs.table)
}

async function act(
  queue: JobQueue,
  action: string,
  arg: string | undefined,
  options: JobsOptions,
): Promise<{ json: Record<string, unknown>; text: string }> {
  if (action === 'retry') {
    if (options.all) {
      const retried = await queue.retry()
      return { json: { retried }, text: `${retried} failed jobs queued again` }
    }
    const id = jobId(arg, action)
    await queue.retry(id)
    return { json: { retried: 1, job: id }, text: `job ${id} queued again` }
  }
  if (action === 'cancel') {
    const id = jobId(arg, action)
    const state = await queue.cancel(id)
    return {
      json: { job: id, state },
      text:
        state === 'cancelled'
          ? `job ${id} cancelled`
          : `job ${id} is running: its worker stops it at its next heartbeat`,
    }
  }
  if (!arg) throw new CliError('jobs limit: name the provider', 2)
  const limit = {
    provider: arg,
    max_running: optionalLimit('max-running', options.maxRunning),
    per_minute: optionalLimit('per-minute', options.perMinute),
  }
  await queue.setLimit(limit)
  return {
    json: { limit },
    text: `provider ${arg}: at most ${limit.max_running ?? 'any number of'} running, ${limit.per_minute ?? 'any number'} started per minute`,
  }
}

/**
 * registerJobs adds `genmedia jobs STORE`: the queue's counts and oldest waiting job; `--failed`
 * lists the dead letters with every attempt's error; `retry ID|--all`, `cancel ID` and
 * `limit PROVIDER` act on it.
 */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description(
      "a store's job queue: counts by state, failed jobs (--failed), retry ID|--all, cancel ID, " +
        'limit PROVIDER --max-running N --per-minute N',
    )
    .argument('<store>', 'image-gen or video-batch')
    .argument('[action]', `one of ${ACTIONS.join(', ')}`)
    .argument('[arg]', 'the job id (retry, cancel) or the provider (limit)')
    .option('--failed', 'list failed and cancelled jobs with every attempt')
    .option('--all', 'retry: every failed job')
    .option('--max-running <n>', 'limit: jobs of the provider running at once (or none)')
    .option('--per-minute <n>', 'limit: jobs of the provider started per minute (or none)')
    .option('--limit <n>', '--failed: list at most this many', '50')
    .option('--json', 'print JSON')
    .action(
      run(
        async (
          storeName: string,
          action: string | undefined,
          arg: string | undefined,
          options: JobsOptions,
        ) => {
          const definition = selectStore(storeName)
          if (action !== undefined && !(ACTIONS as readonly string[]).includes(action)) {
            throw new CliError(`jobs: unknown action ${action}; expected ${ACTIONS.join(', ')}`, 2)
          }
          const store = await openExistingStore(definition)
          try {
            const queue = queueOf(definition, store)
            if (action) {
              const outcome = await act(queue, action, arg, options)
              if (options.json) printJson({ store: definition.name, ...outcome.json })
              else process.stdout.write(`${outcome.text}\n`)
              return
            }
            if (options.failed) {
              const limit = optionalLimit('limit', options.limit) ?? 50
              const failed = await queue.failedJobs(limit)
              if (options.json) {
                printJson({ store: definition.name, failed })
                return
              }
              printTable(failed, {
                job: (r) => r.id,
                state: (r) => (r.cancelled_at == null ? 'failed' : 'cancelled'),
                attempts: (r) => r.job_attempts.length,
                'last error': (r) => String(r.error_message ?? '').slice(0, 80),
              })
              for (const job of failed) {
                for (const a of job.job_attempts) {
                  process.stdout.write(
                    `  job ${String(job.id)} attempt ${a.attempt} (${a.worker}): ${a.outcome}${a.error ? `: ${a.error}` : ''}\n`,
                  )
                }
              }
              return
            }
            const counts = await queue.counts()
            const limits = await queue.limits()
            if (options.json) {
              printJson({ store: definition.name, ...counts, limits })
              return
            }
            printTable([counts], {
              ...fieldColumns(['queued', 'running', 'retrying', 'failed', 'cancelled', 'done']),
              'oldest waiting': (r) => r.oldest_waiting ?? '',
            })
            for (const l of limits) {
              process.stdout.write(
                `provider ${l.provider}: max running ${l.max_running ?? '-'}, per minute ${l.per_minute ?? '-'}\n`,
              )
            }
          } finally {
            await store.close()
          }
        },
      ),
    )
}
