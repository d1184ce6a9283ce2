import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { EngineName } from '../dialect.js'
import { ValidationError } from '../errors.js'
import type { BackupBlobs } from './blobs.js'

/** The manifest format this code writes and reads. */
export const MANIFEST_FORMAT = 1

/** The suffix of a manifest, written beside its backup file: `<file>.manifest.json`. */
export const MANIFEST_SUFFIX = '.manifest.json'

/**
 * BackupManifest describes one backup file and what it was proven to hold. It is written beside
 * the file once the backup has been verified.
 */
export interface BackupManifest {
  format: typeof MANIFEST_FORMAT
  store: string
  engine: EngineName
  /** The PostgreSQL schema the dump holds; null on SQLite. */
  schema: string | null
  /** The store's schema version (highest applied migration) inside the backup. */
  schemaVersion: number
  /** The backup's file name: `<store>_YYYYMMDD_HHMMSS.db` (SQLite) or `.dump` (pg_dump). */
  file: string
  /** ISO-8601 UTC time the backup's snapshot was taken. */
  createdAt: string
  sizeBytes: number
  /** SHA-256 of the file, hex. */
  sha256: string
  /** Rows per table (the store's tables), counted in the snapshot the backup was taken from. */
  rowCounts: Record<string, number>
  /** Whether the backup passed verification when it was made. */
  verified: boolean
  /** What verification found wrong, when `verified` is false. */
  problems: string[]
  /**
   * The blob-store objects the backup's rows refer to, kept content-addressed in the target
   * beside the backups (stores with blobs only).
   */
  blobs?: BackupBlobs
}

const NAME =
  /^(?<store>[a-z0-9-]+)_(?<date>\d{8})_(?<time>\d{6})(?:-(?<seq>\d+))?\.(?<ext>db|dump)$/

/** BackupName is a backup file name taken apart. */
export interface BackupName {
  store: string
  /** The UTC time in the name. */
  takenAt: Date
  /** 1, or N for the N-th backup taken within the same second. */
  seq: number
  extension: 'db' | 'dump'
}

/**
 * backupFileName is `<store>_YYYYMMDD_HHMMSS.<ext>` (UTC), with `-N` appended for the N-th
 * backup taken within the same second (N ≥ 2).
 */
export function backupFileName(store: string, at: Date, extension: 'db' | 'dump', seq = 1): string {
  const iso = at.toISOString()
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}`
  return `${store}_${stamp}${seq > 1 ? `-${seq}` : ''}.${extension}`
}

/** parseBackupFileName reads a backup file name, or returns undefined for any other name. */
export function parseBackupFileName(name: string): BackupName | undefined {
  const match = NAME.exec(name)
  if (!match?.groups) return undefined
  const { store, date, time, ext, seq } = match.groups as Record<
    'store' | 'date' | 'time' | 'ext',
    string
  > & { seq?: string }
  const takenAt = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`,
  )
  if (Number.isNaN(takenAt.getTime())) return undefined
  return { store, takenAt, seq: seq ? Number(seq) : 1, extension: ext as 'db' | 'dump' }
}

/**
 * compareBackupNames orders backup file names oldest first: by the time in the name, then by
 * the same-second number (`-2` sorts before `.db` as text, though it was taken after it).
 */
export function compareBackupNames(a: string, b: string): number {
  const x = parseBackupFileName(a)
  const y = parseBackupFileName(b)
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0
  return x.takenAt.getTime() - y.takenAt.getTime() || x.seq - y.seq || (a < b ? -1 : a > b ? 1 : 0)
}

/** manifestNameOf is the manifest's name for a backup file name. */
export function manifestNameOf(file: string): string {
  return `${file}${MANIFEST_SUFFIX}`
}

/**
 * parseManifest checks a manifest's JSON text and returns it; throws ValidationError naming the
 * first field that is missing or of the wrong type.
 */
export function parseManifest(text: string, source: string): BackupManifest {
  let value: Record<string, unknown>
  try {
    value = JSON.parse(text) as Record<string, unknown>
  } catch (error) {
    throw new ValidationError(`${source} is not JSON: ${(error as Error).message}`, 'manifest')
  }
  const expect = (field: string, type: string) => {
    const actual = Array.isArray(value?.[field]) ? 'array' : typeof value?.[field]
    if (actual !== type) {
      throw new ValidationError(`${source}: ${field} must be a ${type}, got ${actual}`, field)
    }
  }
  if (value?.format !== MANIFEST_FORMAT) {
    throw new ValidationError(
      `${source}: format ${String(value?.format)} is not manifest format ${MANIFEST_FORMAT}`,
      'format',
    )
  }
  for (const field of ['store', 'engine', 'file', 'createdAt', 'sha256']) expect(field, 'string')
  for (const field of ['schemaVersion', 'sizeBytes']) expect(field, 'number')
  expect('rowCounts', 'object')
  expect('verified', 'boolean')
  if (value.blobs !== undefined) {
    const blobs = value.blobs as Record<string, unknown> | null
    if (!Array.isArray(blobs?.objects) || !Array.isArray(blobs?.missing)) {
      throw new ValidationError(`${source}: blobs must list objects and missing`, 'blobs')
    }
  }
  return { problems: [], schema: null, ...value } as unknown as BackupManifest
}

/**
 * sha256File hashes a file without reading it into memory at once, a MiB at a time: in the
 * stream's default 64 KiB reads a backup of 800 MB took up to twice as long.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}
