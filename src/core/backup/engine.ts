import type { Database } from '../database.js'
import type { StoreDefinition } from '../store.js'
import type { BackupManifest } from './manifest.js'

/** Progress of a long step: `done` of `total` units (pages on SQLite, steps on PostgreSQL). */
export type ProgressListener = (progress: { phase: string; done: number; total: number }) => void

/** Snapshot is what a backup's snapshot held. */
export interface Snapshot {
  schemaVersion: number
  rowCounts: Record<string, number>
  /**
   * The blob-store objects the snapshot's rows refer to (the store's `blobs.references`, read in
   * the same snapshot); empty for a store without blobs.
   */
  blobReferences: BlobReference[]
}

/** BlobReference is one row's reference to an object of the blob store. */
export interface BlobReference {
  /** The table of the row. */
  source: string
  id: number
  /** `<bucket>/<key>`. */
  path: string
  /** The object's size in bytes as the row records it, or null. */
  size: number | null
}

export interface VerifyOptions {
  /**
   * Check that the file is sound, every page and structure of it, without matching each index
   * entry with its row (SQLite: quick_check instead of integrity_check; PostgreSQL: the same
   * checks either way).
   */
  pagesOnly?: boolean
}

/** RestoreRequest is one restore, handed to the engine once the backup has been verified. */
export interface RestoreRequest {
  definition: StoreDefinition
  /** The store's location (SQLite path or postgres:// URL), as the user gave it. */
  location: string
  /** The verified backup file on local disk. */
  backupPath: string
  manifest: BackupManifest
  /** Where a SQLite restore point is written (PostgreSQL keeps it as a renamed schema). */
  restorePointDir: string
  now: Date
  /** How many restore points of the store to keep after a successful restore (newest first). */
  keepRestorePoints: number
  onProgress?: ProgressListener
}

export interface RestoreOutcome {
  /** The schema version after migrating the restored database forward. */
  schemaVersion: number
  /**
   * The restore point kept: the database as it was before (a SQLite file, a PostgreSQL schema),
   * or null when there was no store to keep.
   */
  restorePoint: string | null
  /** Older restore points removed by the retention of restore points. */
  prunedRestorePoints: string[]
  rowCounts: Record<string, number>
}

/** Where a store is and where its SQLite restore points are kept. */
export interface RestorePointScope {
  definition: StoreDefinition
  location: string
  restorePointDir: string
}

/**
 * BackupEngine is everything of backup and restore that differs between SQLite and PostgreSQL;
 * backup.ts and restore.ts hold the rest, for both.
 */
export interface BackupEngine {
  readonly extension: 'db' | 'dump'
  /**
   * snapshot writes a consistent copy of the open store to `destination` and returns the row
   * counts and schema version of that same snapshot. Other writers keep writing meanwhile.
   */
  snapshot(
    db: Database,
    location: string,
    definition: StoreDefinition,
    destination: string,
    onProgress?: ProgressListener,
  ): Promise<Snapshot>
  /** verifyFile checks a backup file against its manifest and returns what is wrong (none: []). */
  verifyFile(path: string, manifest: BackupManifest, options?: VerifyOptions): Promise<string[]>
  /** restore swaps the backup in, migrates it forward, and on failure puts the original back. */
  restore(request: RestoreRequest): Promise<RestoreOutcome>
  /** restorePoints lists the store's restore points (file paths or schema names), newest first. */
  restorePoints(scope: RestorePointScope): Promise<string[]>
  /**
   * leftovers lists what killed restores left and nothing has cleaned yet (SQLite scratch files
   * beside the store and in the restore-point folder; PostgreSQL scratch schemas), removing
   * nothing: the next restore removes them, and on SQLite the next writable open too.
   */
  leftovers(scope: RestorePointScope): Promise<string[]>
  /**
   * recover puts the newest restore point back where the store is missing and returns its name;
   * refuses (ConflictError) while the store exists, NotFoundError when there is none.
   */
  recover(scope: RestorePointScope): Promise<string>
}
