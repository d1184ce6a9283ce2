/**
 * genmedia's benchmarks: `npm run bench` (full, writes docs/benchmarks.md) or
 * `npm run bench -- --quick` (small sizes, under two minutes, writes bench/.cache/benchmarks-quick.md).
 * `--only 1,3` runs some figures (printed only; with `--write` they replace their own sections of
 * docs/benchmarks.md, each marked with the run that measured it); `--no-pg` skips PostgreSQL.
 * Progress goes to stderr, result tables to stdout.
 */
import { execSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, release, platform } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import * as prettier from 'prettier'
import {
  BENCH_DIR,
  CACHE_DIR,
  connectPostgres,
  createWorkDir,
  DEFAULT_PG_URL,
  FULL,
  QUICK,
  removeWorkDir,
  type BenchContext,
} from './lib/context.js'
import { figureConsole, figureMarkdown, type Figure } from './lib/report.js'
import { progress } from './lib/stats.js'
import { ingestFigure } from './ingest.js'
import { pointReadsFigure } from './point-reads.js'
import { namedQueriesFigure, plansAppendix, type QueryResult } from './named-queries.js'
import { claimsFigure } from './claims.js'
import { importFigure } from './import.js'
import { apiFigure } from './api.js'
import { postgresFigure } from './postgres.js'
import { galleryFigure } from './gallery.js'
import { adoptFigure } from './adopt.js'
import { transferFigure } from './transfer.js'
import { workerFigure } from './worker.js'
import { searchFigure } from './search.js'
import { aggregatesFigure } from './aggregates.js'
import { scaledPostgres, scaledSqliteFile, scaledStores } from './scale-data.js'

const MARKER = '<!-- Everything below is written by `npm run bench`; edit above this line only. -->'
const DOCS = join(BENCH_DIR, '..', 'docs', 'benchmarks.md')

function packageVersion(name: string): string {
  try {
    const path = join(BENCH_DIR, '..', 'node_modules', name, 'package.json')
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

function gitRevision(): string {
  try {
    const rev = execSync('git rev-parse --short HEAD', { cwd: BENCH_DIR }).toString().trim()
    const dirty = execSync('git status --porcelain', { cwd: BENCH_DIR }).toString().trim()
    return dirty ? `${rev} with uncommitted changes` : rev
  } catch {
    return 'unknown'
  }
}

async function environment(ctx: BenchContext, command: string): Promise<string> {
  const sqlite = new BetterSqlite3(':memory:')
  const sqliteVersion = (sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  sqlite.close()
  let pgVersion = ctx.pgSkipReason ?? ''
  if (ctx.pgUrl) {
    const client = new pg.Client({ connectionString: ctx.pgUrl })
    await client.connect()
    pgVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version
    await client.end()
  }
  const cpu = cpus()
  const lines = [
    `- Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`${command}\`${ctx.quick ? ' (quick: small sizes, figures are indicative only)' : ''}, revision ${gitRevision()}`,
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}`,
    `- Node ${process.versions.node}; better-sqlite3 ${packageVersion('better-sqlite3')} (SQLite ${sqliteVersion}); kysely ${packageVersion('kysely')}; drizzle-orm ${packageVersion('drizzle-orm')}; pg ${packageVersion('pg')}; PostgreSQL ${pgVersion}; fastify ${packageVersion('fastify')}; autocannon ${packageVersion('autocannon')}`,
    `- SQLite files: WAL, synchronous=NORMAL, genmedia's pragmas on every connection (raw and drizzle baselines included)`,
  ]
  return lines.join('\n')
}

async function writeDocs(
  path: string,
  header: string,
  figures: Figure[],
  appendix: string,
): Promise<void> {
  let intro = '# Benchmarks\n'
  try {
    const current = readFileSync(path, 'utf8')
    const at = current.indexOf(MARKER)
    if (at >= 0) intro = current.slice(0, at).trimEnd() + '\n'
  } catch {
    // No document yet: start with the bare title.
  }
  const body = [
    MARKER,
    '## Run',
    header,
    ...figures.map(figureMarkdown),
    '## Query plans',
    'What EXPLAIN (QUERY PLAN) says of each named query at scale, one line per step.',
    `<details><summary>plans</summary>\n\n\`\`\`\n${appendix}\n\`\`\`\n\n</details>`,
  ]
  // Formatted as `npm run format:check` expects it.
  const options = (await prettier.resolveConfig(path)) ?? {}
  const text = await prettier.format(`${intro}\n${body.join('\n\n')}\n`, {
    ...options,
    filepath: path,
  })
  writeFileSync(path, text)
}

/** The figures whose tables feed the query-plans appendix: re-measured only by a full run. */
const APPENDIX_FIGURES = new Set(['3', '7'])

/**
 * updateFigures replaces the sections of `figures` in the written document (from a figure's
 * `## N.` heading to the next heading of its level) and says under each which run measured it,
 * leaving every other figure, the run header and the appendix as the full run wrote them.
 */
async function updateFigures(path: string, figures: Figure[], measuredBy: string): Promise<void> {
  let text = readFileSync(path, 'utf8')
  if (!text.includes(MARKER)) {
    throw new Error(`${path} has no figures written by a full run yet: run \`npm run bench\` first`)
  }
  for (const figure of figures) {
    const heading = new RegExp(`^## ${figure.id}\\. .*$`, 'm')
    const start = text.search(heading)
    const section = `${figureMarkdown(figure)}\n\n- ${measuredBy}\n\n`
    if (start < 0) {
      // A figure the full run did not have: before the first of a higher number, or the appendix.
      const later = [...text.matchAll(/^## (\d+)\. /gm)].find(
        (m) => Number(m[1]) > Number(figure.id),
      )
      const at = later?.index ?? text.indexOf('\n## Query plans') + 1
      text = `${text.slice(0, at)}${section}${text.slice(at)}`
      continue
    }
    const rest = text.slice(start + 3)
    const next = rest.search(/^## /m)
    const end = next < 0 ? text.length : start + 3 + next
    text = `${text.slice(0, start)}${section}${text.slice(end)}`
  }
  const options = (await prettier.resolveConfig(path)) ?? {}
  writeFileSync(path, await prettier.format(text, { ...options, filepath: path }))
}

/** prepareScaleData builds (or finds cached) every store's scale data on SQLite and PostgreSQL. */
async function prepareScaleData(ctx: BenchContext): Promise<void> {
  for (const store of scaledStores()) {
    await scaledSqliteFile(store, ctx.sizes.scaleRows)
    if (ctx.pgUrl) await scaledPostgres(ctx, store, ctx.sizes.scaleRows)
  }
  progress('scale data ready')
}

const USAGE = `usage: npm run bench -- [--quick] [--only 1,3 [--write]] [--no-pg] [--prepare]

  (nothing)    every figure at full size; writes docs/benchmarks.md
  --quick      small sizes, under two minutes; writes bench/.cache/benchmarks-quick.md
  --only IDS   these figures only (comma-separated), printed
  --write      with --only: replace those figures' sections of docs/benchmarks.md
  --no-pg      skip PostgreSQL (GENMEDIA_BENCH_PG_URL, default ${DEFAULT_PG_URL})
  --prepare    build the scale data only
`

/** Thrown for a command line the bench does not take: printed with the usage, exit 2. */
class UsageError extends Error {}

/** main runs the figures asked for; it returns the figures that failed. */
async function main(): Promise<string[]> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        'no-pg': { type: 'boolean', default: false },
        write: { type: 'boolean', default: false },
        prepare: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) {
    process.stdout.write(USAGE)
    return []
  }
  const quick = values.quick ?? false
  const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined
  const wanted = (id: string) => !only || only.has(id)
  if (values.write && (!only || quick)) {
    throw new UsageError('--write goes with --only (a full run always writes docs/benchmarks.md)')
  }
  const appendixFigure = [...(only ?? [])].find((id) => APPENDIX_FIGURES.has(id))
  if (values.write && appendixFigure) {
    throw new UsageError(
      `--write: figure ${appendixFigure} feeds the query plans appendix; re-measure it with a full run`,
    )
  }
  const workDir = createWorkDir()
  // Sample data of image-gen writes blobs: keep them in the run's own folder.
  process.env.GENMEDIA_STORAGE_URL = `file://${join(workDir, 'blobs')}`
  const ctx: BenchContext = {
    quick,
    sizes: quick ? QUICK : FULL,
    workDir,
    pgUrl: undefined,
    pgSkipReason: undefined,
  }
  if (values['no-pg']) ctx.pgSkipReason = 'skipped (--no-pg)'
  else {
    const connected = await connectPostgres(process.env.GENMEDIA_BENCH_PG_URL ?? DEFAULT_PG_URL)
    if ('url' in connected) ctx.pgUrl = connected.url
    else ctx.pgSkipReason = connected.reason
  }
  const command = `npm run bench${quick ? ' -- --quick' : ''}`
  const started = performance.now()
  const figures: Figure[] = []
  const plans: QueryResult[] = []
  const failures: string[] = []
  // A figure that throws is written as failed and the run goes on: an hour of figures is not
  // lost to one; the run still exits non-zero.
  const measured = async (id: string, run: () => Promise<Figure>): Promise<Figure> => {
    try {
      return await run()
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      failures.push(`figure ${id}: ${message}`)
      process.stderr.write(`${error instanceof Error ? (error.stack ?? message) : message}\n`)
      const method = `Not measured: the figure failed in this run (${message}).`
      return { id, title: 'failed', method, tables: [], goals: [], notes: [] }
    }
  }
  try {
    if (values.prepare) {
      await prepareScaleData(ctx)
      return failures
    }
    const add = (figure: Figure) => {
      figures.push(figure)
      process.stdout.write(`\n${figureConsole(figure)}\n`)
    }
    if (wanted('1')) add(await measured('1', () => ingestFigure(ctx)))
    if (wanted('2')) add(await measured('2', () => pointReadsFigure(ctx)))
    if (wanted('3')) {
      add(
        await measured('3', async () => {
          const { figure, results } = await namedQueriesFigure(ctx)
          plans.push(...results)
          return figure
        }),
      )
    }
    if (wanted('4')) add(await measured('4', () => claimsFigure(ctx)))
    if (wanted('5')) add(await measured('5', () => importFigure(ctx)))
    if (wanted('6')) add(await measured('6', () => apiFigure(ctx)))
    if (wanted('7')) {
      if (ctx.pgUrl) {
        add(
          await measured('7', async () => {
            const { figure, results } = await postgresFigure(ctx)
            plans.push(...results.map((r) => ({ ...r, store: `${r.store} (PostgreSQL)` })))
            return figure
          }),
        )
      } else {
        process.stdout.write(`\n== 7. PostgreSQL: skipped — ${ctx.pgSkipReason}\n`)
      }
    }
    if (wanted('8')) add(await measured('8', () => galleryFigure(ctx)))
    if (wanted('9')) add(await measured('9', () => adoptFigure(ctx)))
    if (wanted('10')) add(await measured('10', () => transferFigure(ctx)))
    if (wanted('11')) add(await measured('11', () => workerFigure(ctx)))
    if (wanted('12')) add(await measured('12', () => searchFigure(ctx)))
    if (wanted('13')) add(await measured('13', () => aggregatesFigure(ctx)))
    const minutes = ((performance.now() - started) / 60_000).toFixed(1)
    progress(`done in ${minutes} min`)
    if (only) {
      if (values.write) {
        const at = new Date().toISOString().slice(0, 16).replace('T', ' ')
        await updateFigures(
          DOCS,
          figures,
          `This figure alone was re-measured after the run above: \`npm run bench -- --only ${values.only} --write\`, ${at} UTC, revision ${gitRevision()}, ${minutes} min.`,
        )
        progress(`updated figure(s) ${values.only} in ${DOCS}`)
      }
      return failures
    }
    const header = `${await environment(ctx, command)}\n- Duration of this run: ${minutes} min`
    const target = quick ? join(CACHE_DIR, 'benchmarks-quick.md') : DOCS
    if (!ctx.pgUrl) {
      figures.push({
        id: '7',
        title: 'PostgreSQL',
        method: `Skipped: ${ctx.pgSkipReason}.`,
        tables: [],
        goals: [],
        notes: [],
      })
    }
    await writeDocs(target, header, figures, plansAppendix(plans))
    progress(`wrote ${target}`)
    return failures
  } finally {
    removeWorkDir(workDir)
  }
}

main().then(
  (failures) => {
    if (failures.length === 0) return
    process.stderr.write(`failed:\n${failures.map((f) => `- ${f}`).join('\n')}\n`)
    process.exit(1)
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n\n${USAGE}`)
      process.exit(2)
    }
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
