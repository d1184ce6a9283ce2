import { ValidationError, type StoreCommand } from '../../core/index.js'
import type { ImageGenRepository } from './repository.js'
import { DEFAULT_SWEEP_GRACE_SECONDS, sweepOrphanBlobs, type BlobSweepReport } from './sweep.js'

/** parseHours reads `--older-than <hours>` as seconds (undefined when not given). */
function parseHours(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined
  const hours = Number(value)
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(hours) || hours < 0) {
    throw new ValidationError(
      `--older-than must be a number of hours (0 or more), got ${String(value)}`,
      'older-than',
    )
  }
  return hours * 3600
}

/** What a sweep reports to people: each key, then a summary line. */
function describe(report: BlobSweepReport): string[] {
  const verb = report.dryRun ? 'would remove' : 'removed'
  return [
    ...report.removed.map((key) => `${verb} ${key}`),
    `sweep-blobs: ${verb} ${report.removed.length} unreferenced object(s), ${report.bytes} bytes; ` +
      `scanned ${report.scanned}, unreferenced ${report.unreferenced}, ` +
      `${report.young} too young to remove`,
  ]
}

/** The image-gen store's upkeep, run as `genmedia image-gen <command>`. */
export const imageGenCommands: StoreCommand<ImageGenRepository>[] = [
  {
    name: 'sweep-blobs',
    description:
      'remove objects of the blob store (uploads/, generated/) that no generated or reference ' +
      'image refers to, left by a failed delete or an interrupted upload',
    options: [
      { flags: '--dry-run', description: 'list what would be removed, remove nothing' },
      {
        flags: '--older-than <hours>',
        description: `leave younger objects alone: uploads in flight write objects before their rows (default ${DEFAULT_SWEEP_GRACE_SECONDS / 3600})`,
      },
    ],
    async run(store, options) {
      const graceSeconds = parseHours(options.olderThan)
      const blobs = store.repo.blobs
      const report = await sweepOrphanBlobs(
        { db: store.db, blobs },
        { dryRun: options.dryRun === true, graceSeconds },
      )
      return { json: { bucket: blobs.bucket, ...report }, lines: describe(report) }
    },
  },
]
