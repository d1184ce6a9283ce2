import type { Command } from 'commander'
import { DEFAULT_SCAN_THRESHOLD, diagnoseStore, type DoctorReport } from '../../core/doctor.js'
import { CliError, formatBytes, printJson, printTable, run } from '../output.js'
import { existingStores } from './backup.js'

interface DoctorOptions {
  threshold?: string
  json?: boolean
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check stores: integrity, foreign keys, schema drift, sizes, and the plan of every named query; exit 1 when anything is wrong',
    )
    .argument('[stores...]', 'store names (default: every store that has a database)')
    .option(
      '--threshold <rows>',
      `rows from which a table is large and a full scan of it is flagged`,
      String(DEFAULT_SCAN_THRESHOLD),
    )
    .option('--json', 'print JSON instead of a table')
    .action(
      run(async (names: string[], options: DoctorOptions) => {
        const threshold = Number(options.threshold)
        if (!Number.isInteger(threshold) || threshold < 0) {
          throw new CliError(
            `--threshold must be a whole number of rows, got ${options.threshold}`,
            2,
          )
        }
        const reports: DoctorReport[] = []
        for (const definition of await existingStores(names)) {
          reports.push(await diagnoseStore(definition, { scanThreshold: threshold }))
        }
        if (options.json) printJson(reports)
        else print(reports)
        return reports.every((r) => r.ok) ? 0 : 1
      }),
    )
}

function print(reports: DoctorReport[]): void {
  const rows = reports.flatMap((r) => [
    ...r.checks.map((c) => ({
      store: r.store,
      check: c.name,
      status: c.status,
      detail: c.message,
    })),
    {
      store: r.store,
      check: 'size',
      status: 'info',
      detail: `${formatBytes(r.sizes.databaseBytes)}${r.sizes.walBytes === null ? '' : ` + WAL ${formatBytes(r.sizes.walBytes)}`}; ${Object.entries(
        r.rowCounts,
      )
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}; ${r.indexes.length} indexes`,
    },
  ])
  printTable(rows, {
    store: (r) => r.store,
    check: (r) => r.check,
    status: (r) => r.status,
    detail: (r) => r.detail,
  })
}
