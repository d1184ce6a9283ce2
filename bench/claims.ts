import { spawn } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { openStore, seedStore, tableNamesOf } from '../src/core/index.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { imageGenStore } from '../src/stores/image-gen/index.js'
import { amplifyTable } from './lib/amplify.js'
import { BENCH_DIR, pgLocation, type BenchContext } from './lib/context.js'
import { copyToPostgres } from './lib/pg-copy.js'
import { explainQueries, type PlanSummary } from './lib/plans.js'
import { newFigure, type Figure, type ResultTable } from './lib/report.js'
import { formatNumber, median, progress } from './lib/stats.js'
import { dropSchema } from './ingest.js'

export const PROCESS_COUNTS = [1, 2, 4]

interface WorkerResult {
  ids: number[]
  busy: number
  errors: number
  firstError?: string
}

export interface ClaimRun {
  processes: number
  claimsPerSecond: number
  claimed: number
  doubleClaims: number
  busy: number
  errors: number
  perProcess: number[]
  firstError?: string
}

/** queueFile makes (once per run) an image-gen store file with `jobs` pending generation jobs. */
async function queueFile(ctx: BenchContext, jobs: number): Promise<string> {
  const file = join(ctx.workDir, `claims-${jobs}.db`)
  const store = await openStore(imageGenStore, { location: file })
  await seedStore(store)
  await store.db.query(`UPDATE generation_jobs SET status = 'completed' WHERE status = 'pending'`)
  await store.close()
  const db = openSqliteFile(file)
  try {
    amplifyTable(db, {
      table: 'generation_jobs',
      rows: jobs,
      set: {
        status: () => 'pending',
        started_at: () => null,
        completed_at: () => null,
        error_message: () => null,
      },
    })
    db.exec('ANALYZE')
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  return file
}

/** runWorkers starts `count` claiming processes, lets them go together, and collects them. */
async function runWorkers(location: string, count: number): Promise<ClaimRun> {
  const workers = Array.from({ length: count }, (_, i) =>
    spawn(
      process.execPath,
      ['--import', 'tsx', join(BENCH_DIR, 'claim-worker.ts'), 'image-gen', location, `w${i}`],
      { stdio: ['pipe', 'pipe', 'inherit'], cwd: join(BENCH_DIR, '..') },
    ),
  )
  const ready: Promise<void>[] = []
  const results: Promise<{ result: WorkerResult; at: number }>[] = []
  for (const worker of workers) {
    const lines = createInterface({ input: worker.stdout })
    let readyResolve!: () => void
    ready.push(new Promise<void>((resolve) => (readyResolve = resolve)))
    results.push(
      new Promise((resolve, reject) => {
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`claim worker exited with ${code}`))
        })
        lines.on('line', (line) => {
          if (line === 'ready') readyResolve()
          else resolve({ result: JSON.parse(line) as WorkerResult, at: performance.now() })
        })
      }),
    )
  }
  await Promise.all(ready)
  const start = performance.now()
  for (const worker of workers) worker.stdin.write('go\n')
  const done = await Promise.all(results)
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) =>
          w.exitCode !== null ? resolve() : w.on('exit', () => resolve()),
        ),
    ),
  )
  const end = Math.max(...done.map((d) => d.at))
  const all = done.flatMap((d) => d.result.ids)
  return {
    processes: count,
    claimed: all.length,
    claimsPerSecond: all.length / ((end - start) / 1000),
    doubleClaims: all.length - new Set(all).size,
    busy: done.reduce((n, d) => n + d.result.busy, 0),
    errors: done.reduce((n, d) => n + d.result.errors, 0),
    perProcess: done.map((d) => d.result.ids.length),
    firstError: done.find((d) => d.result.firstError)?.result.firstError,
  }
}

/**
 * measureClaims drains a queue of `jobs` pending image-gen jobs with 1, 2 and 4 processes
 * (`claimNextJob`), each configuration `repeats` times on a fresh copy of the queue; the median
 * run (by claims per second) is kept, double claims and errors summed over all runs.
 */
export async function measureClaims(
  ctx: BenchContext,
  engine: 'sqlite' | 'postgres',
): Promise<{ runs: ClaimRun[]; plan: PlanSummary }> {
  const jobs = engine === 'sqlite' ? ctx.sizes.claimJobsSqlite : ctx.sizes.claimJobsPostgres
  const source = await queueFile(ctx, jobs)
  const out: ClaimRun[] = []
  let plan: PlanSummary | undefined
  let copy = 0
  for (const processes of PROCESS_COUNTS) {
    progress(`claims on ${engine}: ${processes} process(es), ${formatNumber(jobs)} jobs`)
    const runs: ClaimRun[] = []
    for (let r = 0; r < ctx.sizes.repeats; r++) {
      let location: string
      const schema = `bench_claims_${++copy}`
      if (engine === 'sqlite') {
        location = join(ctx.workDir, `claims-run-${copy}.db`)
        copyFileSync(source, location)
      } else {
        location = pgLocation(ctx, schema)
        await dropSchema(ctx, schema)
        const store = await openStore(imageGenStore, { location })
        await store.close()
        await copyToPostgres(source, ctx.pgUrl!, schema, tableNamesOf(imageGenStore))
      }
      try {
        runs.push(await runWorkers(location, processes))
        if (!plan) plan = await claimPlan(location)
      } finally {
        if (engine === 'postgres') await dropSchema(ctx, schema)
      }
    }
    const rates = runs.map((r) => r.claimsPerSecond)
    const mid = runs.find((r) => r.claimsPerSecond === median(rates))!
    out.push({
      ...mid,
      doubleClaims: runs.reduce((n, r) => n + r.doubleClaims, 0),
      busy: runs.reduce((n, r) => n + r.busy, 0),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      firstError: runs.find((r) => r.firstError)?.firstError,
    })
  }
  return { runs: out, plan: plan! }
}

/** claimPlan EXPLAINs the statement claimNextJob sends (on the drained queue). */
async function claimPlan(location: string): Promise<PlanSummary> {
  const store = await openStore(imageGenStore, { location, migrate: false })
  try {
    const { queries } = await store.db.captureQueries(() => store.repo.claimNextJob())
    return await explainQueries(store.db, queries)
  } finally {
    await store.close()
  }
}

export function claimTable(runs: readonly ClaimRun[]): ResultTable {
  return {
    head: [
      'processes',
      'claims/s',
      'claimed',
      'per process',
      'double claims',
      'busy errors',
      'other errors',
    ],
    rows: runs.map((r) => [
      String(r.processes),
      formatNumber(r.claimsPerSecond),
      formatNumber(r.claimed),
      r.perProcess.map((n) => formatNumber(n)).join(' / '),
      String(r.doubleClaims),
      String(r.busy),
      String(r.errors),
    ]),
  }
}

export function claimGoals(figure: Figure, runs: readonly ClaimRun[], engine: string): void {
  const doubles = runs.reduce((n, r) => n + r.doubleClaims, 0)
  const busy = runs.reduce((n, r) => n + r.busy, 0)
  const errors = runs.reduce((n, r) => n + r.errors, 0)
  figure.goals.push({
    text: `0 double claims on ${engine}`,
    met: doubles === 0,
    detail: `${doubles} over every run`,
  })
  figure.goals.push({
    text: `0 busy errors surfaced on ${engine}`,
    met: busy === 0,
    detail: `${busy} busy, ${errors} other errors over every run`,
  })
  const first = runs.find((r) => r.firstError)?.firstError
  if (first) figure.notes.push(`First error met on ${engine}: ${first}`)
}

/** Figure 4: claims per second on one SQLite file. */
export async function claimsFigure(ctx: BenchContext): Promise<Figure> {
  const figure = newFigure(
    '4',
    'Claims (SQLite)',
    `${formatNumber(ctx.sizes.claimJobsSqlite)} pending image-gen generation jobs on one SQLite ` +
      `file, drained by 1, 2 and 4 processes each calling \`claimNextJob()\` in a loop until the ` +
      `queue is empty (the claim: one UPDATE … WHERE id = (SELECT id … WHERE status = 'pending' ` +
      `ORDER BY id LIMIT 1) RETURNING *, served by idx_generation_jobs_status_id). Claims per ` +
      `second from the common start to the last process's end; median of ${ctx.sizes.repeats} ` +
      `runs, double claims and errors summed over all runs.`,
  )
  const { runs, plan } = await measureClaims(ctx, 'sqlite')
  figure.tables.push(claimTable(runs))
  claimGoals(figure, runs, 'SQLite')
  figure.notes.push(`Plan of the claim: ${plan.lines.join('; ')}.`)
  return figure
}
