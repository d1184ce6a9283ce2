import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { openBlobStore, type BlobStore } from '../../storage/index.js'
import { storeLocationFrom, type Env } from '../config.js'
import { Database } from '../database.js'
import { engineFor } from '../engines/index.js'
import { SchemaVersionError, ValidationError } from '../errors.js'
import { describeStore, openStore, type StoreDefinition } from '../store.js'
import { BackupVerificationError, verifyBackupFile } from './backup.js'
import type { BackupEngine, ProgressListener, RestorePointScope } from './engine.js'
import { MANIFEST_SUFFIX, manifestNameOf, parseManifest, type BackupManifest } from './manifest.js'
import { planBlobRestore, putBlobs, type BackupBlobs } from './blobs.js'
import {
  defaultBackupDir,
  FolderBackupTarget,
  openBackupTarget,
  type BackupTarget,
  type LocalCopy,
} from './targets.js'

export interface RestoreOptions {
  /** The store's location; default: resolved from `env`. */
  location?: string
  env?: Env
  cwd?: string
  /** Where the SQLite restore point is kept; default `<GENMEDIA_DATA_DIR>/backups/<store>/restore-points`. */
  restorePointDir?: string
  now?: Date
  /** Restore points of the store kept after a successful restore, newest first (default 3). */
  keepRestorePoints?: number
  /** The blob store of a store with blobs; default: GENMEDIA_STORAGE_URL of `env`. */
  blobs?: BlobStore
  onProgress?: ProgressListener
}

/** How many restore points a restore keeps unless told otherwise: `DEFAULT_KEEP_RESTORE_POINTS`. */
export const DEFAULT_KEEP_RESTORE_POINTS = 3

export interface RestoreResult {
  store: string
  backup: string
  location: string
  /** The backup's schema version and the version after migrating forward. */
  fromVersion: number
  schemaVersion: number
  rowCounts: Record<string, number>
  /**
   * The restore point kept (the database as it was before: a SQLite file, a PostgreSQL schema),
   * or null when there was no store to keep.
   */
  restorePoint: string | null
  /** Older restore points removed by the retention of restore points. */
  prunedRestorePoints: string[]
  /** The backup's objects written to the blob store, and those it held already. */
  blobs: { put: number; present: number }
}

/** BackupSource names a backup: a file on disk (its manifest beside it) or one in a target. */
export type BackupSource = { path: string } | { target: BackupTarget; file: string }

/**
 * resolveBackupSource reads the BACKUP argument of `restore`: an existing file path, else a
 * backup file name in `--from` (a folder or s3:// URL; default the backups folder).
 */
export function resolveBackupSource(
  backup: string,
  from: string | undefined,
  env: Env = process.env,
  cwd = process.cwd(),
): BackupSource {
  if (!from && existsSync(join(cwd, backup))) return { path: join(cwd, backup) }
  if (!from && existsSync(backup)) return { path: backup }
  return { target: openBackupTarget(from, env, cwd), file: basename(backup) }
}

async function fetchSource(
  source: BackupSource,
  store: string,
): Promise<{
  copy: LocalCopy
  manifest: BackupManifest
  name: string
  /** Where the backup's objects are: a target and the store folder in it. */
  objects: { target: BackupTarget; store: string }
}> {
  if ('path' in source) {
    // The manifest's own path names its backup too.
    const path = source.path.endsWith(MANIFEST_SUFFIX)
      ? source.path.slice(0, -MANIFEST_SUFFIX.length)
      : source.path
    const manifestPath = manifestNameOf(path)
    if (!existsSync(manifestPath)) {
      throw new ValidationError(`${path} has no manifest beside it (${manifestPath})`, 'backup')
    }
    const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath)
    // A backup file lies in `<folder>/<store>/`, its objects in `<folder>/<store>/blobs/`.
    const objects = {
      target: new FolderBackupTarget(dirname(dirname(resolve(path)))),
      store: basename(dirname(resolve(path))),
    }
    return { copy: { path, release: async () => undefined }, manifest, name: path, objects }
  }
  const manifest = await source.target.readManifest(store, source.file)
  const copy = await source.target.fetch(store, source.file)
  return {
    copy,
    manifest,
    name: `${source.target.description}/${store}/${source.file}`,
    objects: { target: source.target, store },
  }
}

/**
 * restoreStore replaces a store's database with a backup: it verifies the backup (checksum,
 * integrity, row counts), refuses one of another store, another engine or a newer schema
 * version, keeps a restore point of the current database, swaps the backup in atomically,
 * migrates it forward if it is older, and puts the restore point back if any step fails. A
 * backup of a store with blobs has its objects written back to the blob store first (restoreBlobs),
 * so that after the swap every row finds its object. Stop other processes using the store
 * first: they would keep the old database open.
 */
export async function restoreStore(
  definition: StoreDefinition,
  source: BackupSource,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const location = storeLocationFrom(definition, options)
  const { copy, manifest, name, objects } = await fetchSource(source, definition.name)
  try {
    if (manifest.store !== definition.name) {
      throw new ValidationError(
        `${name} is a backup of ${manifest.store}, not of ${definition.name}`,
        'backup',
      )
    }
    const at = engineFor(location)
    if (manifest.engine !== at.engine.name) {
      throw new ValidationError(
        `${name} is a ${manifest.engine} backup; ${definition.name} is on ${at.engine.name} at ${location}`,
        'backup',
      )
    }
    if (manifest.schemaVersion > definition.migrations.length) {
      throw new SchemaVersionError(
        `${name} is at schema version ${manifest.schemaVersion}, newer than this genmedia's ${definition.migrations.length}: upgrade genmedia to restore it`,
      )
    }
    options.onProgress?.({ phase: 'verify', done: 0, total: 1 })
    const problems = await verifyBackupFile(copy.path, manifest)
    if (problems.length > 0) throw new BackupVerificationError(`${name} does not verify`, problems)
    const blobs = manifest.blobs?.objects.length
      ? await restoreBlobs(manifest.blobs, objects, options)
      : { put: 0, present: 0 }
    const outcome = await at.engine.backup.restore({
      definition,
      location,
      backupPath: copy.path,
      manifest,
      restorePointDir:
        options.restorePointDir ??
        join(defaultBackupDir(options.env, options.cwd), definition.name, 'restore-points'),
      now: options.now ?? new Date(),
      keepRestorePoints: options.keepRestorePoints ?? DEFAULT_KEEP_RESTORE_POINTS,
      onProgress: options.onProgress,
    })
    return {
      store: definition.name,
      backup: name,
      location: at.location.origin,
      fromVersion: manifest.schemaVersion,
      ...outcome,
      blobs,
    }
  } finally {
    await copy.release()
  }
}

/**
 * restoreBlobs brings a backup's objects back into the blob store before the database is
 * swapped: objects the blob store lacks are written (each checked against its SHA-256), those
 * it holds with the same bytes are left, other bytes under a key are refused. Nothing a live row
 * refers to changes, so a restore killed here leaves the old store whole, with some objects no
 * row refers to yet (the next restore finds them present; `image-gen sweep-blobs` removes them).
 */
async function restoreBlobs(
  manifestBlobs: BackupBlobs,
  objects: { target: BackupTarget; store: string },
  options: RestoreOptions,
): Promise<{ put: number; present: number }> {
  const blobs = options.blobs ?? openBlobStore(undefined, options.env, options.cwd)
  try {
    const plan = await planBlobRestore(manifestBlobs, blobs, options.onProgress)
    await putBlobs(plan, objects.target, objects.store, blobs, options.onProgress)
    return { put: plan.put.length, present: plan.present }
  } finally {
    if (!options.blobs) await blobs.close()
  }
}

/**
 * onRestorePoints makes a step of the engine's on a store's restore points (BackupEngine) a
 * function of the store and its options: `step` gets the scope they give (where the store and
 * its restore points live).
 */
function onRestorePoints<R>(
  step: (backup: BackupEngine, scope: RestorePointScope) => Promise<R>,
): (definition: StoreDefinition, options?: RestoreOptions) => Promise<R> {
  return (definition, options = {}) => {
    const location = storeLocationFrom(definition, options)
    const restorePointDir =
      options.restorePointDir ??
      join(defaultBackupDir(options.env, options.cwd), definition.name, 'restore-points')
    return step(engineFor(location).engine.backup, { definition, location, restorePointDir })
  }
}

/**
 * listRestorePoints lists a store's restore points, newest first: SQLite files in the
 * restore-point folder, or PostgreSQL schemas `<schema>_restore_point_<stamp>`.
 */
export const listRestorePoints = onRestorePoints((backup, scope) => backup.restorePoints(scope))

/**
 * listRestoreLeftovers lists what killed restores of a store left and nothing has cleaned yet:
 * SQLite scratch files, PostgreSQL `<schema>_restoring_…` schemas. Removes nothing.
 */
export const listRestoreLeftovers = onRestorePoints((backup, scope) => backup.leftovers(scope))

/**
 * recoverStore puts a store's newest restore point back where the store itself is missing (what
 * an open that finds only a restore point asks for) and returns its name. Refuses
 * (ConflictError) while the store exists, NotFoundError when it has no restore point.
 */
export const recoverStore = onRestorePoints((backup, scope) => backup.recover(scope))

/**
 * storeHasData tells whether a store's database exists and holds any row in its tables (what
 * `restore` asks `--yes` for before replacing).
 */
export async function storeHasData(
  definition: StoreDefinition,
  location: string,
): Promise<boolean> {
  if (!(await Database.exists(location, definition.schema))) return false
  const store = await openStore(definition, { location, readOnly: true }).catch(() => undefined)
  if (!store) return true
  try {
    const state = await describeStore(store)
    return Object.values(state.rowCounts).some((n) => n > 0)
  } finally {
    await store.close()
  }
}
