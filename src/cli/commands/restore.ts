import type { Command } from 'commander'
import {
  DEFAULT_KEEP_RESTORE_POINTS,
  newestVerifiedBackup,
  openBackupTarget,
  recoverStore,
  resolveBackupSource,
  restoreStore,
  storeHasData,
} from '../../core/backup/index.js'
import { resolveStoreLocation } from '../../core/index.js'
import { engineFor } from '../../core/engines/index.js'
import { CliError, printJson, run } from '../output.js'
import { selectStore } from '../stores.js'
import { phaseBar } from './backup.js'

interface RestoreOptions {
  from?: string
  yes?: boolean
  json?: boolean
  recover?: boolean
  keepRestorePoints?: string
}

function parseKeep(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) {
    throw new CliError(`--keep-restore-points must be a whole number ≥ 0, got ${value}`, 2)
  }
  return n
}

/** The BACKUP argument that names the newest verified backup of the store. */
const LATEST = 'latest'

/** latestSource is the newest backup of the store's engine in --from that still verifies. */
async function latestSource(store: string, location: string, from: string | undefined) {
  const target = openBackupTarget(from)
  try {
    const file = await newestVerifiedBackup(target, store, engineFor(location).engine.name)
    return { target, file }
  } catch (error) {
    await target.close()
    throw error
  }
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description(
      'replace a store’s database with a verified backup, keeping a restore point and migrating it forward; stop other processes using the store first',
    )
    .argument('<store>', 'store name')
    .argument(
      '[backup]',
      `a backup file path, its file name in --from, or ${LATEST}: the newest backup that verifies`,
    )
    .option(
      '--from <target>',
      'the folder or s3:// URL holding the backup (default: the backups folder)',
    )
    .option('--yes', 'required when the store’s database already holds data, which is replaced')
    .option(
      '--keep-restore-points <n>',
      `restore points of the store to keep after restoring, newest first (default ${DEFAULT_KEEP_RESTORE_POINTS})`,
    )
    .option(
      '--recover',
      'put the newest restore point back where the store is missing (after an interrupted restore of an older genmedia); takes no backup',
    )
    .option('--json', 'print JSON')
    .action(
      run(async (name: string, backup: string | undefined, options: RestoreOptions) => {
        const definition = selectStore(name)
        const { location } = resolveStoreLocation(definition)
        if (options.recover) {
          if (backup) throw new CliError('--recover takes no backup', 2)
          const recovered = await recoverStore(definition, { location })
          if (options.json) printJson({ store: name, recovered })
          else process.stdout.write(`${name}: put back restore point ${recovered}\n`)
          return
        }
        if (!backup) throw new CliError('name the backup to restore (or --recover)', 2)
        const keepRestorePoints = parseKeep(options.keepRestorePoints)
        if (!options.yes && (await storeHasData(definition, location))) {
          throw new CliError(
            `${name} holds data that restoring ${backup} replaces; run again with --yes to confirm`,
            2,
          )
        }
        const source =
          backup === LATEST
            ? await latestSource(name, location, options.from)
            : resolveBackupSource(backup, options.from)
        const progress = phaseBar(`restore ${name}`, options.json)
        try {
          const result = await restoreStore(definition, source, {
            location,
            keepRestorePoints,
            onProgress: progress.onProgress,
          })
          progress.stop()
          if (options.json) printJson(result)
          else {
            process.stdout.write(
              `${name}: restored ${result.backup} (schema version ${result.fromVersion}${result.schemaVersion !== result.fromVersion ? ` → ${result.schemaVersion}` : ''}); rows ${Object.entries(
                result.rowCounts,
              )
                .map(([t, n]) => `${t} ${n}`)
                .join(', ')}\n`,
            )
            if (result.blobs.put + result.blobs.present > 0) {
              process.stdout.write(
                `blob store: wrote ${result.blobs.put} object(s) of the backup, ${result.blobs.present} were there already\n`,
              )
            }
            if (result.restorePoint) {
              process.stdout.write(
                `the database as it was before is kept at ${result.restorePoint}\n`,
              )
            }
            for (const pruned of result.prunedRestorePoints) {
              process.stdout.write(`removed older restore point ${pruned}\n`)
            }
          }
        } finally {
          progress.stop()
          if ('target' in source) await source.target.close()
        }
      }),
    )
}
