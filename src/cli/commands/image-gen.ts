import type { Command } from 'commander'
import {
  DEFAULT_SWEEP_GRACE_SECONDS,
  imageGenStore,
  sweepOrphanBlobs,
  type BlobSweepReport,
} from '../../stores/image-gen/index.js'
import { CliError, printJson, run } from '../output.js'
import { openExistingStore } from '../stores.js'

interface SweepOptions {
  dryRun?: boolean
  olderThan?: string
  json?: boolean
}

/** registerImageGen adds `genmedia image-gen <task>`: the image-gen store's upkeep. */
export function registerImageGen(program: Command): void {
  const group = program
    .command('image-gen')
    .description('upkeep of the image-gen store (seed 001) and its blob storage')
  group
    .command('sweep-blobs')
    .description(
      'remove objects of the blob store (uploads/, generated/) that no generated or reference ' +
        'image refers to, left by a failed delete or an interrupted upload',
    )
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option(
      '--older-than <hours>',
      `leave younger objects alone: uploads in flight write objects before their rows (default ${DEFAULT_SWEEP_GRACE_SECONDS / 3600})`,
    )
    .option('--json', 'print JSON')
    .action(run(async (options: SweepOptions) => sweep(options)))
}

async function sweep(options: SweepOptions): Promise<void> {
  const graceSeconds = parseHours(options.olderThan)
  const store = await openExistingStore(imageGenStore)
  try {
    const report = await sweepOrphanBlobs(
      { db: store.db, blobs: store.repo.blobs },
      { dryRun: options.dryRun, graceSeconds },
    )
    if (options.json) printJson({ store: 'image-gen', bucket: store.repo.blobs.bucket, ...report })
    else print(report)
  } finally {
    await store.close()
  }
}

function parseHours(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const hours = Number(value)
  if (value.trim() === '' || !Number.isFinite(hours) || hours < 0) {
    throw new CliError(`--older-than must be a number of hours (0 or more), got ${value}`, 2)
  }
  return hours * 3600
}

function print(report: BlobSweepReport): void {
  const verb = report.dryRun ? 'would remove' : 'removed'
  for (const key of report.removed) process.stdout.write(`${verb} ${key}\n`)
  process.stdout.write(
    `sweep-blobs: ${verb} ${report.removed.length} unreferenced object(s), ${report.bytes} bytes; ` +
      `scanned ${report.scanned}, unreferenced ${report.unreferenced}, ` +
      `${report.young} too young to remove\n`,
  )
}
