import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Command } from 'commander'
import {
  commandHandler,
  runWorker,
  workerId,
  type JobHandler,
  type JobPipeline,
  type StoreDefinition,
  type WorkerEvent,
} from '../../core/index.js'
import { CliError, run } from '../output.js'
import { openExistingStore, selectStore } from '../stores.js'

interface WorkerOptions {
  handler?: string
  command?: string
  concurrency: string
  lease: string
  drain?: boolean
  provider?: string
  maxAttempts?: string
  backoff: string
  json?: boolean
}

/** wholeNumber reads option `name` as a whole number of at least `min`, or a usage error. */
function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) {
    throw new CliError(`--${name}: expected a whole number of ${min} or more, got ${value}`, 2)
  }
  return n
}

function positiveNumber(name: string, value: string, min: number): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < min) {
    throw new CliError(`--${name}: expected a number of ${min} or more, got ${value}`, 2)
  }
  return n
}

/** loadHandler imports a handler module and returns its default export, a function. */
async function loadHandler(file: string): Promise<JobHandler> {
  const url = pathToFileURL(resolve(file)).href
  let module: { default?: unknown }
  try {
    module = (await import(url)) as { default?: unknown }
  } catch (error) {
    throw new CliError(`--handler ${file}: ${(error as Error).message}`, 2)
  }
  if (typeof module.default !== 'function') {
    throw new CliError(`--handler ${file}: its default export is not a function`, 2)
  }
  return module.default as JobHandler
}

function pipelineOf(definition: StoreDefinition): JobPipeline {
  if (!definition.jobs) {
    throw new CliError(`the ${definition.name} store has no jobs for a worker to run`, 2)
  }
  return definition.jobs
}

/**
 * Terminal output: one line per ended job and, on a terminal, a status line kept up to date;
 * JSON lines for machines.
 */
function reporter(json: boolean): { event(e: WorkerEvent): void; done(): void } {
  if (json) {
    return {
      event: (e) =>
        process.stdout.write(`${JSON.stringify({ ...e, at: new Date().toISOString() })}\n`),
      done: () => {},
    }
  }
  const tty = Boolean(process.stdout.isTTY)
  const counts = { running: 0, completed: 0, retried: 0, failed: 0, cancelled: 0, lost: 0 }
  const progress = new Map<number, string>()
  const status = () => {
    if (!tty) return
    const shown = [...progress.entries()]
      .slice(0, 4)
      .map(([job, p]) => `#${job} ${p}`)
      .join(' ')
    process.stdout.write(
      `\r\x1b[K${counts.running} running, ${counts.completed} done, ${counts.retried} retried, ${counts.failed} failed ${shown}`,
    )
  }
  const line = (text: string) => {
    if (tty) process.stdout.write('\r\x1b[K')
    process.stdout.write(`${text}\n`)
    status()
  }
  return {
    event(e) {
      switch (e.event) {
        case 'started':
          break
        case 'claimed':
          counts.running++
          progress.set(e.job, '…')
          break
        case 'progress':
          progress.set(e.job, e.total ? `${e.done}/${e.total}` : String(e.done))
          break
        case 'log':
          line(`job ${e.job}: ${e.message}`)
          return
        case 'error':
          line(`error: ${e.message}`)
          return
        default:
          counts.running--
          progress.delete(e.job)
          if (e.event === 'completed') counts.completed++
          if (e.event === 'retry') counts.retried++
          if (e.event === 'failed') counts.failed++
          if (e.event === 'cancelled') counts.cancelled++
          if (e.event === 'lost') counts.lost++
          if (e.event === 'retry')
            line(`job ${e.job} attempt ${e.attempt} failed, retry at ${e.retry_at}: ${e.error}`)
          else if (e.event === 'failed')
            line(`job ${e.job} failed after ${e.attempt} attempts: ${e.error}`)
          else if (e.event !== 'completed') line(`job ${e.job} ${e.event}`)
      }
      status()
    },
    done: () => {
      if (tty) process.stdout.write('\r\x1b[K')
    },
  }
}

/**
 * registerWorker adds `genmedia worker STORE`: runs the store's jobs through a handler module or
 * a command, with leases, retries and limits, until stopped (SIGINT/SIGTERM: no new claims,
 * running jobs finish) or, with --drain, until no job is left.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      "run a store's jobs (image-gen generation jobs, video-batch videos) through a handler: " +
        'leases with heartbeats, retries with backoff, cancellation, provider limits (docs/worker.md)',
    )
    .argument('<store>', 'image-gen or video-batch')
    .option('--handler <file>', 'a JavaScript module whose default export runs one job')
    .option(
      '--command <cmd>',
      'a command run per job: the job as JSON on stdin, the result as JSON on stdout',
    )
    .option('--concurrency <n>', 'jobs run at once in this process', '1')
    .option('--lease <seconds>', 'lease length; heartbeats extend it every third of it', '30')
    .option('--drain', 'work until no job is queued, retrying or running, then exit')
    .option(
      '--provider <name>',
      'the provider the handler calls: claims keep to its limits (genmedia jobs STORE limit)',
    )
    .option('--max-attempts <n>', "attempts before a job fails for good (default: the store's)")
    .option(
      '--backoff <seconds>',
      'the first retry waits about this long, each next twice as long',
      '5',
    )
    .option('--json', 'print one JSON line per event')
    .action(
      run(async (storeName: string, options: WorkerOptions) => {
        const definition = selectStore(storeName)
        const pipeline = pipelineOf(definition)
        if (Boolean(options.handler) === Boolean(options.command)) {
          throw new CliError('give one of --handler FILE or --command CMD', 2)
        }
        const concurrency = wholeNumber('concurrency', options.concurrency, 1)
        const leaseSeconds = positiveNumber('lease', options.lease, 1)
        const baseSeconds = positiveNumber('backoff', options.backoff, 0)
        const maxAttempts =
          options.maxAttempts === undefined
            ? undefined
            : wholeNumber('max-attempts', options.maxAttempts, 1)
        const handler = options.handler
          ? await loadHandler(options.handler)
          : commandHandler(options.command!)
        const store = await openExistingStore(definition)
        const stop = new AbortController()
        const onSignal = () => stop.abort()
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        const out = reporter(Boolean(options.json))
        try {
          const summary = await runWorker({
            store,
            pipeline,
            handler,
            worker: workerId(),
            concurrency,
            leaseSeconds,
            drain: options.drain,
            provider: options.provider,
            maxAttempts,
            backoff: { baseSeconds, maxSeconds: Math.max(baseSeconds, 600) },
            stop: stop.signal,
            onEvent: out.event,
          })
          out.done()
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ event: 'stopped', ...summary })}\n`)
          } else {
            process.stdout.write(
              `worker ${summary.worker}: ${summary.completed} completed, ${summary.retried} retried, ` +
                `${summary.failed} failed, ${summary.cancelled} cancelled, ${summary.lost} lost\n`,
            )
          }
        } finally {
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          await store.close()
        }
      }),
    )
}
