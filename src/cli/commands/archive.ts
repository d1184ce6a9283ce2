import type { Command } from 'commander'
import {
  archiveStore,
  DEFAULT_AGE_DAYS,
  MAINTENANCE_TASKS,
  runMaintenance,
  type MaintenanceReport,
  type MaintenanceTask,
} from '../../stores/archive/index.js'
import { CliError, printJson, printTable, run } from '../output.js'
import { openExistingStore } from '../stores.js'

interface ArchiveOptions {
  dryRun?: boolean
  olderThan?: string
  json?: boolean
}

const DESCRIPTIONS: Record<MaintenanceTask, string> = {
  cleanup:
    'delete incomplete sessions not updated for 30 days, with their log and files (sessions that project history refers to are kept)',
  'archive-history':
    'move project history completed more than 90 days ago into project_history_archive, in one transaction',
  'purge-logs':
    'delete operation log entries older than 30 days (except those of open sessions, which resuming reads)',
  'reset-usage':
    'reset the usage counters of every preset (with --older-than: of presets unused for that long)',
}

/** SUMMARIES say what a task does to the rows of its first count, for the one-line summary. */
const SUMMARIES: Record<MaintenanceTask, [done: string, dryRun: string, rows: string]> = {
  cleanup: ['deleted', 'would delete', 'sessions'],
  'archive-history': ['archived', 'would archive', 'history rows'],
  'purge-logs': ['purged', 'would purge', 'log entries'],
  'reset-usage': ['reset', 'would reset', 'presets'],
}

/** registerArchive adds `genmedia archive <task>`: the archive store's maintenance (seed 003 §6). */
export function registerArchive(program: Command): void {
  const group = program
    .command('archive')
    .description(
      'maintenance of the archive store (seed 003): cleanup, archiving, log purge, usage reset',
    )
  for (const task of MAINTENANCE_TASKS) {
    const age = DEFAULT_AGE_DAYS[task]
    group
      .command(task)
      .description(DESCRIPTIONS[task])
      .option('--dry-run', 'count what would change, change nothing')
      .option(
        '--older-than <days>',
        age === undefined
          ? 'only presets unused for DAYS days'
          : `age limit in days (default ${age})`,
      )
      .option('--json', 'print JSON')
      .action(run(async (options: ArchiveOptions) => maintain(task, options)))
  }
}

async function maintain(task: MaintenanceTask, options: ArchiveOptions): Promise<void> {
  const olderThanDays = parseDays(options.olderThan)
  const store = await openExistingStore(archiveStore)
  try {
    const report = await runMaintenance(store.db, task, { dryRun: options.dryRun, olderThanDays })
    if (options.json) printJson({ store: 'archive', location: store.db.location, ...report })
    else print(report)
  } finally {
    await store.close()
  }
}

function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const days = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(days)) {
    throw new CliError(`--older-than must be a whole number of days, got ${value}`, 2)
  }
  return days
}

function print(report: MaintenanceReport): void {
  const [done, dryRun, rows] = SUMMARIES[report.task]
  const counts = Object.entries(report.counts)
  const age =
    report.older_than_days === null
      ? ''
      : ` older than ${report.older_than_days} days (before ${report.cutoff})`
  process.stdout.write(
    `${report.task}: ${report.dry_run ? dryRun : done} ${counts[0]![1]} ${rows}${age}\n`,
  )
  printTable(counts, { what: ([name]) => name.replace(/_/g, ' '), rows: ([, n]) => n })
}
