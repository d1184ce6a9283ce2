import type { Command } from 'commander'
import { copyStore, redactLocation, type CopyProgress } from '../../core/index.js'
import { printJson, printTable, progressBar, run } from '../output.js'
import { selectStore } from '../stores.js'

interface CopyOptions {
  to: string
  from?: string
  replace?: boolean
  json?: boolean
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
        const bar = progressBar<CopyProgress>(
          'copy {table} [{bar}] {percentage}% {value}/{total} rows',
          'table',
          options.json,
        )
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
