import type { Command } from 'commander'
import cliProgress from 'cli-progress'
import { copyStore, redactLocation, type CopyProgress } from '../../core/index.js'
import { printJson, printTable, run } from '../output.js'
import { selectStore } from '../stores.js'

interface CopyOptions {
  to: string
  from?: string
  replace?: boolean
  json?: boolean
}

/** copyBar draws rows copied on stderr when it is a terminal and output is not JSON. */
function copyBar(json: boolean | undefined): {
  onProgress?: (p: CopyProgress) => void
  stop(): void
} {
  if (json || !process.stderr.isTTY) return { stop: () => undefined }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'copy {table} [{bar}] {percentage}% {value}/{total} rows' },
    cliProgress.Presets.shades_classic,
  )
  let started = false
  return {
    onProgress: ({ table, done, total }) => {
      if (!started) bar.start(total, done, { table })
      started = true
      bar.update(done, { table })
    },
    stop: () => {
      if (started) bar.stop()
    },
  }
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description(
      'copy a store to another location, SQLite or PostgreSQL (to switch engines): the target is ' +
        'created or migrated to the same schema version, every table streamed from one ' +
        'consistent snapshot of the source into one transaction, ids and counters kept, and ' +
        'each table verified (row count and checksum) before it commits; the source stays in use ' +
        'and is never changed',
    )
    .argument('<store>', 'store name')
    .requiredOption(
      '--to <location>',
      'the target: a SQLite file path or a postgres:// URL (?schema=NAME to choose the schema)',
    )
    .option('--from <location>', 'the source (default: where the store lives by the settings)')
    .option('--replace', 'replace the rows a target already holds (otherwise it is refused)')
    .option('--json', 'print JSON')
    .action(
      run(async (name: string, options: CopyOptions) => {
        const definition = selectStore(name)
        const bar = copyBar(options.json)
        let report
        try {
          report = await copyStore(definition, {
            to: options.to,
            from: options.from,
            replace: options.replace,
            onProgress: bar.onProgress,
          })
        } finally {
          bar.stop()
        }
        if (options.json) return printJson(report)
        printTable(report.tables, {
          table: (t) => t.table,
          rows: (t) => t.rows,
          checksum: (t) => t.checksum,
        })
        process.stdout.write(
          `${name}: copied ${report.rows} rows from ${redactLocation(report.from)} to ${redactLocation(report.to)} ` +
            `(schema version ${report.schemaVersion}) in ${report.seconds.toFixed(1)} s; every table verified\n`,
        )
      }),
    )
}
