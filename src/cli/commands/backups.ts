import type { Command } from 'commander'
import { listBackups, openBackupTarget, type BackupCheck } from '../../core/backup/index.js'
import { formatBytes, printJson, printTable, run } from '../output.js'
import { selectStores } from '../stores.js'

interface BackupsOptions {
  from?: string
  quick?: boolean
  json?: boolean
}

export function registerBackups(program: Command): void {
  program
    .command('backups')
    .description(
      'list backups with their manifests and whether each verifies; exit 1 when one does not',
    )
    .argument('[store]', 'store name (default: every store)')
    .option(
      '--from <target>',
      'the folder or s3:// URL holding backups (default: the backups folder)',
    )
    .option('--quick', 'check size and checksum only, not integrity and row counts')
    .option('--json', 'print JSON instead of a table')
    .action(
      run(async (name: string | undefined, options: BackupsOptions) => {
        const target = openBackupTarget(options.from)
        const rows: (BackupCheck & { store: string })[] = []
        try {
          for (const definition of selectStores(name ? [name] : [])) {
            const checks = await listBackups(target, definition.name, { deep: !options.quick })
            rows.push(...checks.map((c) => ({ store: definition.name, ...c })))
          }
        } finally {
          await target.close()
        }
        if (options.json) printJson(rows)
        else {
          printTable(rows, {
            store: (r) => r.store,
            backup: (r) => r.file,
            created: (r) => r.manifest.createdAt,
            version: (r) => r.manifest.schemaVersion,
            rows: (r) => Object.values(r.manifest.rowCounts).reduce((a, b) => a + b, 0),
            size: (r) => formatBytes(r.manifest.sizeBytes),
            verifies: (r) => (r.verified ? 'yes' : `no: ${r.problems.join('; ')}`),
          })
        }
        return rows.every((r) => r.verified) ? 0 : 1
      }),
    )
}
