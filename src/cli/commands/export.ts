import { createWriteStream } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import type { Command } from 'commander'
import { EXPORT_FORMATS, exportTables, type ExportFormat } from '../../core/index.js'
import { CliError, printJson, printTable, run } from '../output.js'
import { openReadOnly, selectStore } from '../stores.js'

interface ExportOptions {
  format: string
  out?: string
  where?: string
  json?: boolean
}

function closeFile(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'export tables of a store as NDJSON or CSV, each in primary-key order from one consistent ' +
        'snapshot, streamed (memory stays flat): one table to stdout, or one file per table in --out DIR',
    )
    .argument('<store>', 'store name')
    .argument('[tables...]', 'tables to export (default with --out: every table)')
    .option('--format <format>', `${EXPORT_FORMATS.join(' or ')}`, 'ndjson')
    .option('--out <dir>', 'write <table>.<format> files into this folder')
    .option(
      '--where <condition>',
      'only rows matching this SQL condition (e.g. "created_at >= \'2026-01-01\'"), run read-only',
    )
    .option('--json', 'with --out: print what was written as JSON')
    .action(
      run(async (name: string, tables: string[], options: ExportOptions) => {
        const definition = selectStore(name)
        // A reader that stops early (`| head`) ends the export, not in an error.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'EPIPE') process.exit(0)
          throw error
        })
        if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
          throw new CliError(
            `--format must be ${EXPORT_FORMATS.join(' or ')}, got ${options.format}`,
            2,
          )
        }
        const format = options.format as ExportFormat
        if (!options.out && tables.length !== 1) {
          throw new CliError(
            'name one table to export to stdout, or pass --out DIR for one file per table',
            2,
          )
        }
        const store = await openReadOnly(definition)
        const files = new Map<string, string>()
        try {
          if (options.out) await mkdir(options.out, { recursive: true })
          const result = await exportTables(store.db, definition, {
            tables,
            format,
            where: options.where,
            open: (table) => {
              if (!options.out) return process.stdout
              const file = join(options.out, `${table}.${format}`)
              files.set(table, file)
              return createWriteStream(`${file}.partial`)
            },
            close: async (table, out) => {
              if (!options.out) return
              await closeFile(out)
              const file = files.get(table)!
              await rename(`${file}.partial`, file)
            },
          })
          if (!options.out) return
          const written = result.map((r) => ({ ...r, file: files.get(r.table)! }))
          if (options.json) printJson(written)
          else
            printTable(written, { table: (r) => r.table, rows: (r) => r.rows, file: (r) => r.file })
        } finally {
          await store.close()
        }
      }),
    )
}
