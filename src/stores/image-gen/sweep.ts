import { bucketPath } from '../../storage/index.js'
import type { FlowContext } from './flows.js'

/** The key prefixes of the objects image-gen writes (storage/keys.ts): uploads and generations. */
export const SWEPT_PREFIXES = ['uploads/', 'generated/'] as const

/** How old an unreferenced object must be before a sweep removes it, by default (one hour). */
export const DEFAULT_SWEEP_GRACE_SECONDS = 3600

export interface BlobSweepOptions {
  /** Count what would be removed, remove nothing. */
  dryRun?: boolean
  /**
   * Leave unreferenced objects younger than this many seconds (default one hour): an upload or
   * a generation writes its objects before it commits the rows that refer to them.
   */
  graceSeconds?: number
  /** The time the grace period is measured from (default now). */
  now?: Date
}

/** BlobSweepReport says what a sweep found and did. */
export interface BlobSweepReport {
  dryRun: boolean
  /** Objects under image-gen's prefixes. */
  scanned: number
  /** Of those, objects no row refers to. */
  unreferenced: number
  /** Unreferenced objects left alone because they are younger than the grace period. */
  young: number
  /** The keys removed (or, on a dry run, that would be). */
  removed: string[]
  /** Bytes those objects held. */
  bytes: number
}

/**
 * sweepOrphanBlobs removes the objects under image-gen's prefixes that no generated image or
 * reference image refers to. They are left behind when deleting an object fails after its row
 * was deleted (rows go first, so no row ever points at a missing object), or by a process that
 * died between writing an object and committing its row; the grace period keeps the sweep away
 * from writes still in flight.
 */
export async function sweepOrphanBlobs(
  ctx: FlowContext,
  options: BlobSweepOptions = {},
): Promise<BlobSweepReport> {
  const graceSeconds = options.graceSeconds ?? DEFAULT_SWEEP_GRACE_SECONDS
  const cutoff = (options.now ?? new Date()).getTime() - graceSeconds * 1000
  const keys = (await Promise.all(SWEPT_PREFIXES.map((p) => ctx.blobs.list(p)))).flat()
  const referenced = new Set(
    (
      await ctx.db.query<{ path: string }>(
        'SELECT gcp_bucket_path AS path FROM generated_images ' +
          'UNION ALL SELECT gcp_bucket_path AS path FROM reference_images',
      )
    ).map((r) => r.path),
  )
  const report: BlobSweepReport = {
    dryRun: Boolean(options.dryRun),
    scanned: keys.length,
    unreferenced: 0,
    young: 0,
    removed: [],
    bytes: 0,
  }
  for (const key of keys) {
    if (referenced.has(bucketPath(ctx.blobs.bucket, key))) continue
    report.unreferenced++
    const info = await ctx.blobs.head(key)
    if (!info) continue // removed by someone else meanwhile
    if (info.lastModified.getTime() > cutoff) {
      report.young++
      continue
    }
    if (!options.dryRun) await ctx.blobs.delete(key)
    report.removed.push(key)
    report.bytes += info.size
  }
  return report
}
