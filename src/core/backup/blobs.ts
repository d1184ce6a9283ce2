import { createHash } from 'node:crypto'
import { keyFromBucketPath, type BlobStore } from '../../storage/index.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import type { BlobReference, ProgressListener } from './engine.js'
import type { BackupTarget } from './targets.js'

/** BackupBlob is one object a backup holds: its key in the blob store and its content. */
export interface BackupBlob {
  key: string
  /** SHA-256 of the bytes, hex: the object's name in the backup target. */
  sha256: string
  size: number
  contentType: string
}

/** BackupBlobs is the blob part of a backup's manifest. */
export interface BackupBlobs {
  /** The blob store's bucket, which the rows' `<bucket>/<key>` paths name. */
  bucket: string
  /** Every object the snapshot's rows refer to, by key. */
  objects: BackupBlob[]
  /**
   * Objects a row referred to that the blob store did not hold when the backup was made (the
   * store was already missing them, or they were deleted while the backup ran), with why.
   */
  missing: { key: string; reason: string }[]
  /** Objects this backup wrote to the target; the rest were there already (incremental). */
  written: number
  /** Bytes of those objects. */
  writtenBytes: number
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * copyBlobs copies the objects of a snapshot's references from the blob store into the target,
 * content-addressed: an object the target already holds (from an earlier backup) is not written
 * again. Each object is hashed as it is read; a reference to an object the blob store lacks is
 * recorded in `missing`, not thrown, since the backup still holds what the store held.
 */
export async function copyBlobs(
  references: readonly BlobReference[],
  blobs: BlobStore,
  target: BackupTarget,
  store: string,
  onProgress?: ProgressListener,
): Promise<BackupBlobs> {
  const result: BackupBlobs = {
    bucket: blobs.bucket,
    objects: [],
    missing: [],
    written: 0,
    writtenBytes: 0,
  }
  const paths = [...new Set(references.map((r) => r.path))].sort()
  for (const [i, path] of paths.entries()) {
    onProgress?.({ phase: 'blobs', done: i, total: paths.length })
    let key: string
    try {
      key = keyFromBucketPath(blobs.bucket, path)
    } catch (error) {
      result.missing.push({ key: path, reason: (error as Error).message })
      continue
    }
    const blob = await blobs.get(key).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined
      throw error
    })
    if (!blob) {
      result.missing.push({ key, reason: `the blob store holds no object ${key}` })
      continue
    }
    const sha256 = sha256Of(blob.bytes)
    if ((await target.blobSize(store, sha256)) !== blob.size) {
      await target.putBlob(store, sha256, blob.bytes)
      result.written++
      result.writtenBytes += blob.size
    }
    result.objects.push({ key, sha256, size: blob.size, contentType: blob.contentType })
  }
  onProgress?.({ phase: 'blobs', done: paths.length, total: paths.length })
  return result
}

/**
 * verifyBlobs checks that the target holds every object of a backup: its size and, with `deep`,
 * its bytes' SHA-256. Returns what is wrong (none: []).
 */
export async function verifyBlobs(
  manifestBlobs: BackupBlobs,
  target: BackupTarget,
  store: string,
  options: { deep?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = []
  for (const object of manifestBlobs.objects) {
    if (options.deep) {
      const bytes = await target.getBlob(store, object.sha256).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined
        throw error
      })
      if (!bytes) problems.push(`blob ${object.key} (${object.sha256}) is missing`)
      else if (sha256Of(bytes) !== object.sha256) {
        problems.push(`blob ${object.key} (${object.sha256}) changed: checksum mismatch`)
      }
      continue
    }
    const size = await target.blobSize(store, object.sha256)
    if (size === undefined) problems.push(`blob ${object.key} (${object.sha256}) is missing`)
    else if (size !== object.size) {
      problems.push(`blob ${object.key} is ${size} bytes, the manifest says ${object.size}`)
    }
  }
  return problems
}

/** BlobRestorePlan is what restoring a backup's objects needs to write to the blob store. */
export interface BlobRestorePlan {
  /** Objects the blob store lacks, to be written from the backup. */
  put: BackupBlob[]
  /** Objects already there with the same bytes. */
  present: number
}

/**
 * planBlobRestore compares a backup's objects with the live blob store. It refuses
 * (ConflictError) a backup of another bucket, and a key the blob store holds with other bytes:
 * overwriting it would change what the live rows refer to before the database is swapped.
 */
export async function planBlobRestore(
  manifestBlobs: BackupBlobs,
  blobs: BlobStore,
  onProgress?: ProgressListener,
): Promise<BlobRestorePlan> {
  if (manifestBlobs.bucket !== blobs.bucket) {
    throw new ValidationError(
      `the backup's objects are in bucket ${manifestBlobs.bucket}; the blob store (GENMEDIA_STORAGE_URL) is bucket ${blobs.bucket}`,
      'bucket',
    )
  }
  const plan: BlobRestorePlan = { put: [], present: 0 }
  const conflicts: string[] = []
  const total = manifestBlobs.objects.length
  for (const [i, object] of manifestBlobs.objects.entries()) {
    onProgress?.({ phase: 'check blobs', done: i, total })
    const info = await blobs.head(object.key)
    if (!info) plan.put.push(object)
    else if (
      info.size === object.size &&
      sha256Of((await blobs.get(object.key)).bytes) === object.sha256
    ) {
      plan.present++
    } else conflicts.push(object.key)
  }
  if (conflicts.length > 0) {
    throw new ConflictError(
      `the blob store holds other bytes under ${conflicts.length} key(s) of the backup (${conflicts.slice(0, 3).join(', ')}${conflicts.length > 3 ? ', …' : ''}); move those objects away, then restore again`,
    )
  }
  return plan
}

/**
 * putBlobs writes the planned objects from the target into the blob store, each checked against
 * its SHA-256 before it is written. Only objects the blob store lacked are written, so a kill
 * part-way leaves the live rows' objects as they were and some objects no row refers to yet.
 */
export async function putBlobs(
  plan: BlobRestorePlan,
  target: BackupTarget,
  store: string,
  blobs: BlobStore,
  onProgress?: ProgressListener,
): Promise<void> {
  for (const [i, object] of plan.put.entries()) {
    onProgress?.({ phase: 'blobs', done: i, total: plan.put.length })
    const bytes = await target.getBlob(store, object.sha256)
    if (sha256Of(bytes) !== object.sha256) {
      throw new ValidationError(
        `blob ${object.key} (${object.sha256}) of the backup changed: checksum mismatch; the database was not restored`,
        'backup',
      )
    }
    await blobs.put(object.key, bytes, object.contentType)
  }
  onProgress?.({ phase: 'blobs', done: plan.put.length, total: plan.put.length })
}

/**
 * collectBlobs removes the target's objects of a store that no remaining manifest refers to
 * (after retention removed backups). Returns how many it removed.
 */
export async function collectBlobs(
  target: BackupTarget,
  store: string,
  referenced: ReadonlySet<string>,
): Promise<number> {
  let removed = 0
  for (const sha256 of await target.listBlobs(store)) {
    if (referenced.has(sha256)) continue
    await target.removeBlob(store, sha256)
    removed++
  }
  return removed
}
