import { ValidationError } from '../core/errors.js'
import { assertSafeKey } from './blob-store.js'

/** The longest file name kept in a key; longer names keep their end (the extension). */
const MAX_FILE_NAME = 120

/**
 * sanitizeFileName turns an uploaded file name into one safe key segment: only the part after
 * the last `/` or `\` is kept, every character other than letters, digits, `.`, `-` and `_`
 * becomes `_`, leading dots are replaced (no `.`, `..` or hidden names), and the result is at
 * most 120 characters. A name with nothing left becomes `file`. Never throws.
 */
export function sanitizeFileName(name: string): string {
  const base = String(name).split(/[/\\]/).pop() ?? ''
  let safe = base
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
  if (safe.length > MAX_FILE_NAME) safe = safe.slice(safe.length - MAX_FILE_NAME)
  return /[A-Za-z0-9]/.test(safe) ? safe : 'file'
}

function positiveId(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(`${field} must be a positive whole number`, field)
  }
  return value
}

function stamp(at: Date): number {
  const ms = at.getTime()
  if (Number.isNaN(ms)) throw new ValidationError('timestamp is not a valid date', 'timestamp')
  return ms
}

/**
 * uploadKey is seed 001's key of a reference image: `uploads/{user_id}/{timestamp}_{filename}`,
 * the timestamp in milliseconds since the epoch and the file name sanitised (sanitizeFileName),
 * so that no file name can leave the user's folder.
 */
export function uploadKey(userId: number, fileName: string, at: Date = new Date()): string {
  const key = `uploads/${positiveId(userId, 'user_id')}/${stamp(at)}_${sanitizeFileName(fileName)}`
  return assertSafeKey(key)
}

/**
 * generatedKey is seed 001's key of a generated image:
 * `generated/{generation_job_id}/{index}_{timestamp}.jpg`.
 */
export function generatedKey(jobId: number, index: number, at: Date = new Date()): string {
  const key = `generated/${positiveId(jobId, 'generation_job_id')}/${positiveId(index, 'generation_index')}_${stamp(at)}.jpg`
  return assertSafeKey(key)
}

/** bucketPath is the seed's `gcp_bucket_path`: `<bucket>/<key>`. */
export function bucketPath(bucket: string, key: string): string {
  return `${bucket}/${key}`
}

/**
 * keyFromBucketPath splits a stored `gcp_bucket_path` back into its key, checking that it lies
 * in `bucket`; throws ValidationError (field `gcp_bucket_path`) otherwise.
 */
export function keyFromBucketPath(bucket: string, path: string): string {
  if (!path.startsWith(`${bucket}/`)) {
    throw new ValidationError(
      `gcp_bucket_path ${path} is not in bucket ${bucket} of the configured blob store`,
      'gcp_bucket_path',
    )
  }
  return assertSafeKey(path.slice(bucket.length + 1), 'gcp_bucket_path')
}
