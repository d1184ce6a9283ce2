import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import { Database, openStore, resolveStoreLocation, type OpenStore } from '../../core/index.js'
import {
  importVideoBatch,
  videoBatchStore,
  type VideoBatchImportReport,
  type VideoBatchRepository,
} from '../../stores/video-batch/index.js'
import { CliError, fieldColumns, printJson, printTable, run } from '../output.js'

interface VideoBatchImportOptions {
  prompts?: string
  uploads?: string
  videos?: string
  dryRun?: boolean
  strict?: boolean
  json?: boolean
}

/** How many bad entries are listed on stderr; the rest are counted (all are in --json). */
const ISSUES_SHOWN = 50

/**
 * registerImport adds `genmedia import`, a group with one subcommand per kind of legacy data a
 * store can take in (`import video-batch`).
 */
export function registerImport(program: Command): void {
  const group = program
    .command('import')
    .description('import a legacy project’s logs and files into a store')

  group
    .command('video-batch')
    .description(
      'import image upload logs (CSV), prompt JSON files and video generation logs (JSON Lines) ' +
        'into the video-batch store; re-running changes nothing; exits 1 when entries were skipped',
    )
    .option('--uploads <file.csv>', 'the image upload log: CSV with images column names as header')
    .option('--prompts <dir>', 'a folder of prompt JSON files, one prompt set per file')
    .option('--videos <file.jsonl>', 'the video generation log, one JSON object per line')
    .option('--dry-run', 'write nothing; report what would change')
    .option('--strict', 'stop at the first bad entry and write nothing')
    .option('--json', 'print the summary as JSON')
    .action(run(async (options: VideoBatchImportOptions) => importVideoBatchCommand(options)))
}

async function importVideoBatchCommand(options: VideoBatchImportOptions): Promise<number> {
  if (!options.uploads && !options.prompts && !options.videos) {
    throw new CliError('nothing to import: give --uploads, --prompts and/or --videos', 2)
  }
  const store = options.dryRun ? await openForDryRun() : await openStore(videoBatchStore)
  const bar = process.stderr.isTTY && !options.json ? progressBar() : undefined
  let current = ''
  try {
    const report = await importVideoBatch(store.db, {
      uploads: options.uploads,
      prompts: options.prompts,
      videos: options.videos,
      dryRun: options.dryRun,
      strict: options.strict,
      onProgress: bar
        ? ({ table, done, total }) => {
            if (table !== current) {
              if (current) bar.stop()
              current = table
              bar.start(total, 0, { table })
            }
            bar.update(done)
          }
        : undefined,
    })
    if (current) bar?.stop()
    // Keep the planner's statistics fresh after a bulk load (Database.analyze says why).
    if (!options.dryRun) await store.db.analyze()
    print(report, options)
    return report.issues.length > 0 ? 1 : 0
  } finally {
    if (current) bar?.stop()
    await store.close()
  }
}

/**
 * openForDryRun opens the store so that a dry run changes nothing, not even the schema: an
 * existing store read-only (refused while it awaits migrations, which a dry run must not
 * apply), or, where there is none yet, an empty one in memory, against which every entry is new.
 */
async function openForDryRun(): Promise<OpenStore<VideoBatchRepository>> {
  const { location } = resolveStoreLocation(videoBatchStore)
  if (!(await Database.exists(location, videoBatchStore.schema))) {
    return openStore(videoBatchStore, { location: ':memory:' })
  }
  const store = await openStore(videoBatchStore, { location, readOnly: true })
  const status = await store.migrator.status()
  const pending = status.filter((s) => s.state === 'pending')
  if (pending.length > 0) {
    await store.close()
    throw new CliError(
      `the video-batch store at ${location} awaits ${pending.length} migration(s), which a dry run ` +
        'does not apply: run `genmedia migrate up video-batch` first, or import without --dry-run',
      2,
    )
  }
  return store
}

function progressBar(): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: '{table} [{bar}] {value}/{total} rows',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  )
}

function print(report: VideoBatchImportReport, options: VideoBatchImportOptions): void {
  if (options.json) {
    printJson(report)
    return
  }
  const rows = Object.entries(report.tables).map(([table, counts]) => ({ table, ...counts }))
  printTable(
    rows,
    fieldColumns(['table', 'read', 'inserted', 'updated', 'unchanged', 'skipped', 'merged']),
  )
  const notes: string[] = []
  if (report.dryRun) notes.push('dry run: nothing was written')
  if (report.placeholderLinks > 0) {
    notes.push(`${report.placeholderLinks} linked to the legacy placeholder image`)
  }
  if (notes.length > 0) process.stdout.write(`${notes.join('; ')}\n`)
  for (const issue of report.issues.slice(0, ISSUES_SHOWN)) {
    process.stderr.write(`${issue.file}:${issue.line}: ${issue.message} (skipped)\n`)
  }
  if (report.issues.length > ISSUES_SHOWN) {
    process.stderr.write(`… and ${report.issues.length - ISSUES_SHOWN} more skipped entries\n`)
  }
}
