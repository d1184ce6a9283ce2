import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

/** The PostgreSQL server the benchmarks use (figure 7), unless GENMEDIA_BENCH_PG_URL says another. */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test'
export const BENCH_DATABASE = 'genmedia_bench'

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url))
export const CACHE_DIR = join(BENCH_DIR, '.cache')

/** Sizes of one run: the full run's are the issue's; --quick shrinks them to fit two minutes. */
export interface Sizes {
  ingestRows: number
  pointReads: number
  scaleRows: number
  claimJobsSqlite: number
  claimJobsPostgres: number
  importLines: number
  apiSeconds: number
  pgIngestRows: number
  pgPointReads: number
  /** Time budget per named query, in ms, and its sample cap. */
  queryBudgetMs: number
  querySamples: number
  repeats: number
  /**
   * Rounds of the ratio figures (ingest and point reads against raw, on both engines): goals
   * are judged on the worst round, so a goal one round meets and the next misses is missed.
   */
  ratioRounds: number
}

export const FULL: Sizes = {
  ingestRows: 200_000,
  pointReads: 100_000,
  scaleRows: 1_000_000,
  claimJobsSqlite: 40_000,
  claimJobsPostgres: 10_000,
  importLines: 100_000,
  apiSeconds: 4,
  pgIngestRows: 100_000,
  pgPointReads: 10_000,
  queryBudgetMs: 1_500,
  querySamples: 200,
  repeats: 3,
  ratioRounds: 5,
}

export const QUICK: Sizes = {
  ingestRows: 10_000,
  pointReads: 10_000,
  scaleRows: 20_000,
  claimJobsSqlite: 2_000,
  claimJobsPostgres: 300,
  importLines: 3_000,
  apiSeconds: 2,
  pgIngestRows: 3_000,
  pgPointReads: 500,
  queryBudgetMs: 60,
  querySamples: 20,
  repeats: 1,
  ratioRounds: 2,
}

export interface BenchContext {
  quick: boolean
  sizes: Sizes
  /** A temporary folder for this run, removed at the end. */
  workDir: string
  /** The bench database's URL (no schema), or undefined when no PostgreSQL server answers. */
  pgUrl: string | undefined
  /** Why PostgreSQL figures are skipped, when they are. */
  pgSkipReason: string | undefined
}

/** pgLocation is a store location on the bench database, in schema `schema`. */
export function pgLocation(ctx: BenchContext, schema: string): string {
  const url = new URL(ctx.pgUrl!)
  url.searchParams.set('schema', schema)
  return url.toString()
}

/**
 * connectPostgres checks the server answers and makes sure the bench database exists; it
 * returns the bench database's URL, or the reason it cannot be used.
 */
export async function connectPostgres(
  adminUrl: string,
): Promise<{ url: string } | { reason: string }> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      BENCH_DATABASE,
    ])
    if (rows.length === 0) await client.query(`CREATE DATABASE ${BENCH_DATABASE}`)
    const url = new URL(adminUrl)
    url.pathname = `/${BENCH_DATABASE}`
    return { url: url.toString() }
  } catch (error) {
    return { reason: `no PostgreSQL server answered at ${adminUrl}: ${(error as Error).message}` }
  } finally {
    await client.end().catch(() => undefined)
  }
}

export function createWorkDir(): string {
  mkdirSync(CACHE_DIR, { recursive: true })
  return mkdtempSync(join(tmpdir(), 'genmedia-bench-'))
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * settleDisk has the system write out every file's pending pages (`sync`) before a timed
 * section. A SQLite round's checkpoint syncs its file, and the kernel's write-back of what
 * earlier rounds (or the set-up) left unwritten would otherwise fall into whichever round runs
 * next, on this machine's virtual disk slowing it by up to a third.
 */
export function settleDisk(): void {
  execFileSync('sync')
}
