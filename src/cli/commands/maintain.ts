import type { Command } from 'commander'
import {
  maintainStore,
  type StoreMaintenanceReport,
  type StoreMaintenanceTask,
} from '../../core/maintenance.js'
import { formatBytes, printJson, printTable, run } from '../output.js'
import { existingStores } from './backup.js'

interface MaintainOptions {
  vacuum?: boolean
  analyze?: boolean
  reindex?: boolean
  checkpoint?: boolean
  json?: boolean
}

export function registerMaintain(program: Command): void {
  program
    .command('maintain')
    .description(
      'run the seeds’ maintenance: REINDEX, VACUUM, ANALYZE, a WAL checkpoint and PRAGMA optimize (all unless some are chosen); prints sizes before and after',
    )
    .argument('[stores...]', 'store names (default: every store that has a database)')
    .option('--vacuum', 'VACUUM (needs free disk space about the size of the database)')
    .option('--analyze', 'ANALYZE: refresh the planner’s statistics')
    .option('--reindex', 'REINDEX (REINDEX SCHEMA on PostgreSQL)')
    .option('--checkpoint', 'PRAGMA wal_checkpoint(TRUNCATE) on SQLite')
    .option('--json', 'print JSON instead of a table')
    .action(
      run(async (names: string[], options: MaintainOptions) => {
        const tasks = (['reindex', 'vacuum', 'analyze', 'checkpoint'] as const).filter(
          (t) => options[t],
        ) as StoreMaintenanceTask[]
        const reports: StoreMaintenanceReport[] = []
        for (const definition of await existingStores(names)) {
          reports.push(await maintainStore(definition, { tasks }))
        }
        if (options.json) printJson(reports)
        else {
          printTable(reports, {
            store: (r) => r.store,
            done: (r) => r.steps.map((s) => s.detail).join('\n'),
            before: (r) => formatBytes(r.before.databaseBytes + (r.before.walBytes ?? 0)),
            after: (r) => formatBytes(r.after.databaseBytes + (r.after.walBytes ?? 0)),
          })
        }
      }),
    )
}
