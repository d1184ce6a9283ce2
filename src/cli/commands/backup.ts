import type { Command } from 'commander'
import {
  backupStore,
  openBackupTarget,
  parseRetention,
  type BackupBlobs,
  type BackupResult,
  type ProgressListener,
} from '../../core/backup/index.js'
import { Database, resolveStoreLocation, type StoreDefinition } from '../../core/index.js'
import { formatBytes, printJson, printTable, progressBar, reportError, run } from '../output.js'
import { selectStores } from '../stores.js'

interface BackupOptions {
  to?: string
  keep?: string
  retain?: string
  json?: boolean
}

/** phaseBar draws the phases of a backup or restore of `label` (see progressBar). */
export function phaseBar(
  label: string,
  json: boolean | undefined,
): { onProgress?: ProgressListener; stop(): void } {
  return progressBar(`${label} {phase} [{bar}] {percentage}% {value}/{total}`, 'phase', json)
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description(
      'back up stores (all that exist, or those named) while they stay in use, verify each backup, and prune old ones',
    )
    .argument('[stores...]', 'store names (default: every store that has a database)')
    .option(
      '--to <target>',
      'a folder, or s3://bucket/prefix?endpoint=…&region=… (default: $GENMEDIA_DATA_DIR/backups); each store in <target>/<store>/',
    )
    .option('--keep <n>', 'then keep only the newest N verified backups (seed 003: 10)')
    .option(
      '--retain <policy>',
      'then keep by grandfather-father-son, e.g. daily=7,weekly=4,monthly=12 (seed 004)',
    )
    .option('--json', 'print JSON instead of a table')
    .action(
      run(async (names: string[], options: BackupOptions) => {
        const retention = parseRetention(options)
        const stores = await existingStores(names)
        const target = openBackupTarget(options.to)
        const results: (BackupResult | { store: string; error: string })[] = []
        let failed = false
        try {
          for (const definition of stores) {
            const progress = phaseBar(`${definition.name}`, options.json)
            try {
              results.push(
                await backupStore(definition, {
                  target,
                  retention,
                  onProgress: progress.onProgress,
                }),
              )
            } catch (error) {
              failed = true
              if (!options.json) reportError(error, false)
              results.push({ store: definition.name, error: (error as Error).message })
            } finally {
              progress.stop()
            }
          }
        } finally {
          await target.close()
        }
        for (const r of results) {
          const missing = 'manifest' in r ? (r.manifest.blobs?.missing ?? []) : []
          if (missing.length > 0 && !options.json) {
            process.stderr.write(
              `warning: ${r.store}: ${missing.length} row(s) refer to objects the blob store does not hold (${missing
                .slice(0, 3)
                .map((m) => m.key)
                .join(', ')}${missing.length > 3 ? ', …' : ''}); run genmedia doctor ${r.store}\n`,
            )
          }
        }
        if (options.json) printJson(results)
        else {
          printTable(results, {
            store: (r) => r.store,
            backup: (r) => ('manifest' in r ? r.manifest.file : `failed: ${r.error}`),
            verified: (r) => ('manifest' in r ? r.manifest.verified : false),
            version: (r) => ('manifest' in r ? r.manifest.schemaVersion : ''),
            rows: (r) =>
              'manifest' in r
                ? Object.entries(r.manifest.rowCounts)
                    .map(([t, n]) => `${t} ${n}`)
                    .join('\n')
                : '',
            size: (r) => ('manifest' in r ? formatBytes(r.manifest.sizeBytes) : ''),
            blobs: (r) => ('manifest' in r ? describeBlobs(r.manifest.blobs) : ''),
            pruned: (r) => ('pruned' in r ? r.pruned.length : ''),
            target: (r) => ('target' in r ? r.target : ''),
          })
        }
        return failed ? 1 : 0
      }),
    )
}

/** describeBlobs summarises a backup's objects: how many, how many it wrote, how many missing. */
function describeBlobs(blobs: BackupBlobs | undefined): string {
  if (!blobs) return ''
  const missing = blobs.missing.length > 0 ? `, ${blobs.missing.length} missing` : ''
  return `${blobs.objects.length} (${blobs.written} new, ${formatBytes(blobs.writtenBytes)})${missing}`
}

/**
 * existingStores resolves STORE arguments; without any, every registered store that has a
 * database (a store never initialised has nothing to back up or check).
 */
export async function existingStores(names: readonly string[]): Promise<StoreDefinition[]> {
  const stores = selectStores(names)
  if (names.length > 0) return stores
  const present: StoreDefinition[] = []
  for (const definition of stores) {
    const { location } = resolveStoreLocation(definition)
    if (await Database.exists(location, definition.schema)) present.push(definition)
  }
  return present
}
