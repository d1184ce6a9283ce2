import { spawn } from 'node:child_process'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { JobQueue, openStore } from '../src/core/index.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { imageGenStore } from '../src/stores/image-gen/index.js'
import { videoBatchStore } from '../src/stores/video-batch/index.js'
import { pgLocation, type BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, formatRatio, median, progress } from './lib/stats.js'
import { dropSchema } from './ingest.js'

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))
const PROCESSES = [1, 2, 4]
/** The CLI bundled (beside the packages it imports), so that a worker starts quickly. */
const BUNDLE = fileURLToPath(new URL('../node_modules/.genmedia-bench/cli.mjs', import.meta.url))

/** The claim genmedia's JobQueue sends, written out for better-sqlite3. */
const RAW_CLAIM = `UPDATE generation_jobs SET status = 'processing', started_at = ?, lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, progress = NULL
WHERE id = (SELECT id FROM generation_jobs WHERE (status = 'pending' AND lease_owner IS NULL) AND (run_after IS NULL OR run_after <= ?) ORDER BY id LIMIT 1)
AND (status = 'pending' AND lease_owner IS NULL) AND (run_after IS NULL OR run_after <= ?) RETURNING *`

/** jobsFile makes an image-gen store file with `jobs` pending generation jobs, one per run. */
async function jobsFile(ctx: BenchContext, jobs: number, run: number): Promise<string> {
  const file = join(ctx.workDir, `worker-claims-${jobs}-${run}.db`)
  const store = await openStore(imageGenStore, { location: file })
  const user = await store.repo.createUser({ email: 'bench@example.com' })
  await store.close()
  const db = openSqliteFile(file)
  try {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO generation_jobs (user_id, prompt) SELECT ?, 'prompt ' || i FROM n`,
    ).run(jobs, user.id)
    db.exec('ANALYZE')
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  return file
}

/** genmedia's claim (JobQueue.claim) draining the file; claims per second. */
async function genmediaClaims(file: string): Promise<number> {
  const store = await openStore(imageGenStore, { location: file })
  try {
    const queue = new JobQueue(store.db, imageGenStore.jobs!.table)
    const start = performance.now()
    let n = 0
    while (await queue.claim({ worker: 'bench', leaseSeconds: 30 })) n++
    return n / ((performance.now() - start) / 1000)
  } finally {
    await store.close()
  }
}

/** The same claim as one prepared better-sqlite3 statement, on the same table and indexes. */
function rawClaims(file: string): number {
  const db = openSqliteFile(file)
  try {
    const claim = db.prepare(RAW_CLAIM)
    const start = performance.now()
    let n = 0
    for (;;) {
      const now = new Date().toISOString().replace('T', ' ').replace('Z', '')
      const expires = new Date(Date.now() + 30_000).toISOString().replace('T', ' ').replace('Z', '')
      if (!claim.get(now, 'bench', expires, now, now)) break
      n++
    }
    return n / ((performance.now() - start) / 1000)
  } finally {
    db.close()
  }
}

/** The image and prompt set every queued video of a run is made from. */
interface VideoSource {
  imageId: number
  promptId: number
}

/** videoStore makes a video-batch store at `location`: one image, one prompt set, no video yet. */
async function videoStore(location: string): Promise<VideoSource> {
  const store = await openStore(videoBatchStore, { location })
  try {
    const image = await store.repo.registerUpload({ original_filename: 'bench.jpg' })
    const prompt = await store.repo.addPromptSet({ image_id: image.id, video_prompt: 'bench' })
    return { imageId: image.id, promptId: prompt.id }
  } finally {
    await store.close()
  }
}

/**
 * queueVideos queues `videos` pending videos in one transaction, the planner's statistics
 * refreshed in it: polling workers see the whole queue at once, and plan their claims for it.
 */
async function queueVideos(location: string, source: VideoSource, videos: number): Promise<void> {
  const store = await openStore(videoBatchStore, { location, migrate: false })
  try {
    await store.db.transaction(async (trx) => {
      await store.db.query(
        `INSERT INTO videos (image_id, prompt_id, status) SELECT ${source.imageId}, ${source.promptId}, 'pending' FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${videos}) SELECT i FROM n) AS n`,
        [],
        trx,
      )
      await store.db.query('ANALYZE videos', [], trx)
    })
  } finally {
    await store.close()
  }
}

/** A running `genmedia worker` process, as the figure drives it. */
interface WorkerProcess {
  /** Settles once the worker reported `started`: its start-up is over and it polls. */
  started: Promise<void>
  /** The times of its first claim and last completion, and its completions, once it exited 0. */
  exited: Promise<{ first: number; last: number; completed: number }>
  /** SIGTERM: it claims nothing more, finishes what it runs and exits. */
  stop(): void
}

/**
 * startWorker starts one `genmedia worker video-batch` (no --drain: it polls until stopped);
 * `onEnded` is called for every job it ends, completed or failed.
 */
function startWorker(
  bundle: string,
  handler: string,
  location: string,
  onEnded: () => void,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [bundle, 'worker', 'video-batch', '--handler', handler, '--json', '--concurrency', '4'],
    {
      env: { ...process.env, GENMEDIA_VIDEO_BATCH_URL: location, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  let onStarted!: () => void
  const started = new Promise<void>((resolve) => (onStarted = resolve))
  let buffer = ''
  let first = Infinity
  let last = 0
  let completed = 0
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop() ?? ''
    for (const line of lines) {
      const e = JSON.parse(line) as { event: string; at?: string }
      if (e.event === 'started') onStarted()
      if (!e.at) continue
      const at = Date.parse(e.at)
      if (e.event === 'claimed') first = Math.min(first, at)
      if (e.event === 'completed') {
        last = Math.max(last, at)
        completed++
      }
      if (e.event === 'completed' || e.event === 'failed') onEnded()
    }
  })
  const exited = new Promise<{ first: number; last: number; completed: number }>(
    (resolve, reject) => {
      child.on('error', reject)
      child.on('exit', (code, signal) =>
        code === 0
          ? resolve({ first, last, completed })
          : reject(new Error(`worker exited ${code ?? signal}`)),
      )
    },
  )
  return { started, exited, stop: () => child.kill('SIGTERM') }
}

/**
 * End-to-end no-op jobs per second through `genmedia worker` with `processes` processes. The
 * workers start on a store without videos; once every one of them polls, `videos` are queued at
 * once, and once every video has ended the workers are stopped: no process's start-up falls
 * between the first claim and the last completion.
 */
async function workerRun(
  bundle: string,
  handler: string,
  location: string,
  processes: number,
  videos: number,
): Promise<{ perSecond: number; completed: number }> {
  const source = await videoStore(location)
  let ended = 0
  let onAllEnded!: () => void
  const allEnded = new Promise<void>((resolve) => (onAllEnded = resolve))
  const workers = Array.from({ length: processes }, () =>
    startWorker(bundle, handler, location, () => {
      if (++ended === videos) onAllEnded()
    }),
  )
  const exits = Promise.all(workers.map((w) => w.exited))
  // A worker that exits before it is stopped ends the run with its error.
  const early = exits.then(() => {
    throw new Error('the workers exited before they were stopped')
  })
  early.catch(() => undefined)
  try {
    await Promise.race([Promise.all(workers.map((w) => w.started)), early])
    await queueVideos(location, source, videos)
    await Promise.race([allEnded, early])
  } finally {
    for (const w of workers) w.stop()
  }
  const runs = await exits
  const first = Math.min(...runs.map((r) => r.first))
  const last = Math.max(...runs.map((r) => r.last))
  const completed = runs.reduce((n, r) => n + r.completed, 0)
  return { perSecond: completed / Math.max(0.001, (last - first) / 1000), completed }
}

/** Figure 11: the job runtime's claim beside a raw statement, and `genmedia worker` end to end. */
export async function workerFigure(ctx: BenchContext): Promise<Figure> {
  const claimJobs = ctx.quick ? 2_000 : 20_000
  // Workers are long-lived: enough jobs that each of 4 processes runs well past its warm-up
  // (its first few hundred jobs cost about twice a warm one), so that the figure is throughput.
  const workerJobs = ctx.quick ? 300 : 10_000
  const figure = newFigure(
    '11',
    'Job runtime: claims and `genmedia worker`',
    `Claims: ${formatNumber(claimJobs)} pending image-gen generation jobs on one SQLite file, ` +
      `drained by one process through \`JobQueue.claim\` (a lease, the attempt counted, the retry ` +
      `time checked; one UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING *) and, on a copy of the ` +
      `same file, by the same statement prepared once on better-sqlite3; median of ` +
      `${ctx.sizes.repeats} runs. Worker: ${formatNumber(workerJobs)} video-batch videos run by ` +
      `1, 2 and 4 \`genmedia worker video-batch --concurrency 4\` processes with a handler that ` +
      `returns at once; the processes start on an empty queue, the videos are queued in one ` +
      `transaction once every process polls (each printed \`started\`), and the processes are ` +
      `stopped (SIGTERM) once every video is completed. Jobs per second from the first claim to ` +
      `the last completion (no process start-up in between), each job claimed, completed and its ` +
      `attempt recorded in the database.`,
  )
  progress('worker: claims on SQLite')
  const genmedia: number[] = []
  const raw: number[] = []
  for (let run = 0; run < ctx.sizes.repeats; run++) {
    const file = await jobsFile(ctx, claimJobs, run)
    const copy = `${file}.raw.db`
    copyFileSync(file, copy)
    genmedia.push(await genmediaClaims(file))
    raw.push(rawClaims(copy))
  }
  const ratio = median(genmedia) / median(raw)
  figure.tables.push({
    head: ['claim on SQLite', 'claims/s', 'vs raw'],
    rows: [
      ['genmedia JobQueue.claim', formatNumber(median(genmedia)), formatRatio(ratio)],
      ['raw better-sqlite3 statement', formatNumber(median(raw)), '1.00×'],
    ],
  })
  figure.goals.push({
    text: 'the SQLite claim at ≥ 0.8× a raw better-sqlite3 claim statement',
    met: ratio >= 0.8,
    detail: formatRatio(ratio),
  })

  await build({
    entryPoints: [MAIN],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  })
  const handler = join(ctx.workDir, 'noop.mjs')
  writeFileSync(
    handler,
    'export default async (video) => ({ video_filename: `${video.id}.mp4` })\n',
  )
  const engines: { name: string; location: (p: number) => Promise<string> }[] = [
    {
      name: 'SQLite',
      location: async (p) => join(ctx.workDir, `worker-${p}-${Date.now()}.db`),
    },
  ]
  if (ctx.pgUrl) {
    engines.push({
      name: 'PostgreSQL',
      location: async (p) => {
        const schema = `bench_worker_${p}`
        await dropSchema(ctx, schema)
        return pgLocation(ctx, schema)
      },
    })
  } else {
    figure.notes.push(`PostgreSQL skipped: ${ctx.pgSkipReason}`)
  }
  const rows: string[][] = []
  for (const engine of engines) {
    const perSecond: number[] = []
    for (const p of PROCESSES) {
      progress(`worker: ${engine.name}, ${p} process(es)`)
      const location = await engine.location(p)
      const run = await workerRun(BUNDLE, handler, location, p, workerJobs)
      if (run.completed !== workerJobs) {
        figure.notes.push(`${engine.name} with ${p}: ${run.completed} of ${workerJobs} completed`)
      }
      perSecond.push(run.perSecond)
    }
    rows.push([engine.name, ...perSecond.map((n) => formatNumber(n))])
    if (engine.name === 'PostgreSQL') {
      figure.goals.push({
        text: 'on PostgreSQL, worker throughput grows with processes',
        met: perSecond[2]! > perSecond[0]!,
        detail: `${perSecond.map((n) => formatNumber(n)).join(' → ')} jobs/s with 1 → 2 → 4 processes`,
      })
    }
  }
  figure.tables.push({ head: ['no-op jobs/s', ...PROCESSES.map((p) => `${p} proc.`)], rows })
  return figure
}
