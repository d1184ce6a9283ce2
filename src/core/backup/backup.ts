import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Env } from '../config.js'
import { Database } from '../database.js'
import { engineNamed } from '../engines/index.js'
import { GenmediaError, NotFoundError } from '../errors.js'
import { existingStoreLocation, type StoreDefinition } from '../store.js'
import type { ProgressListener } from './engine.js'
import {
  backupFileName,
  MANIFEST_FORMAT,
  parseBackupFileName,
  sha256File,
  type BackupManifest,
} from './manifest.js'
import { openBlobStore, type BlobStore } from '../../storage/index.js'
import { collectBlobs, copyBlobs, verifyBlobs } from './blobs.js'
import { applyRetention, type RetentionPolicy } from './retention.js'
import { openBackupTarget, type BackupTarget } from './targets.js'

/** BackupVerificationError: a backup did not prove usable (checksum, integrity, row counts). */
export class BackupVerificationError extends GenmediaError {
  readonly problems: string[]

  constructor(message: string, problems: string[]) {
    super('backup_unverified', `${message}: ${problems.join('; ')}`)
    this.problems = problems
  }
}

export interface BackupOptions {
  /** The store's location; default: resolved from `env`. */
  location?: string
  env?: Env
  cwd?: string
  /** Where to keep it; default: the folder `<GENMEDIA_DATA_DIR>/backups`. */
  target?: BackupTarget
  /** Prune the store's backups by this policy once the new one is verified. */
  retention?: RetentionPolicy
  /** The backup's time (tests); default now. */
  now?: Date
  /** The blob store of a store with blobs; default: GENMEDIA_STORAGE_URL of `env`. */
  blobs?: BlobStore
  onProgress?: ProgressListener
  /**
   * Verify the new backup as a sound copy, every page and structure of it, without matching each
   * index entry with its row (VerifyOptions): for a caller about to rebuild those indexes from
   * the rows. Listing the backups (deep) and a restore still check it in full.
   */
  pagesOnly?: boolean
}

export interface BackupResult {
  store: string
  target: string
  manifest: BackupManifest
  /** Backups kept and deleted by the retention policy (empty without one). */
  kept: string[]
  pruned: string[]
}

/**
 * backupStore takes a backup of one store while other processes may keep writing, verifies it
 * (integrity and row counts on SQLite, `pg_restore --list` on PostgreSQL, checksum on both),
 * copies the objects of the blob store that the snapshot's rows refer to (a store with `blobs`;
 * content-addressed, only those the target lacks), stores the backup with its manifest in the
 * target and, given a policy, prunes older backups and the objects only they held. Throws
 * NotFoundError when the store has no database, BackupVerificationError when the new backup does
 * not verify (it is kept, marked unverified, and nothing is pruned).
 */
export async function backupStore(
  definition: StoreDefinition,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const location = await existingStoreLocation(definition, options)
  const target = options.target ?? openBackupTarget(undefined, options.env, options.cwd)
  const now = options.now ?? new Date()
  const db = await Database.open(location, { schema: definition.schema, create: false })
  try {
    // What differs between the engines is the engine's backup; everything here is shared.
    const engine = db.engineImpl.backup
    const existing = new Set(await target.list(definition.name))
    let seq = 1
    while (existing.has(backupFileName(definition.name, now, engine.extension, seq))) seq++
    const file = backupFileName(definition.name, now, engine.extension, seq)
    const staging = await target.staging(definition.name)
    try {
      const path = join(staging.path, file)
      const snapshot = await engine.snapshot(db, location, definition, path, options.onProgress)
      const manifest: BackupManifest = {
        format: MANIFEST_FORMAT,
        store: definition.name,
        engine: db.engine,
        schema: db.schema ?? null,
        schemaVersion: snapshot.schemaVersion,
        file,
        createdAt: now.toISOString(),
        sizeBytes: (await stat(path)).size,
        sha256: await sha256File(path),
        rowCounts: snapshot.rowCounts,
        verified: false,
        problems: [],
      }
      manifest.problems = await engine.verifyFile(path, manifest, {
        pagesOnly: options.pagesOnly,
      })
      if (definition.blobs) {
        const blobs = options.blobs ?? openBlobStore(undefined, options.env, options.cwd)
        try {
          manifest.blobs = await copyBlobs(
            snapshot.blobReferences,
            blobs,
            target,
            definition.name,
            options.onProgress,
          )
        } finally {
          if (!options.blobs) await blobs.close()
        }
        manifest.problems.push(...(await verifyBlobs(manifest.blobs, target, definition.name)))
      }
      manifest.verified = manifest.problems.length === 0
      await target.put(definition.name, path, manifest)
      if (!manifest.verified) {
        throw new BackupVerificationError(
          `backup ${file} of ${definition.name} does not verify`,
          manifest.problems,
        )
      }
      const decision = options.retention
        ? await pruneBackups(target, definition.name, options.retention)
        : { kept: [], pruned: [] }
      return { store: definition.name, target: target.description, manifest, ...decision }
    } finally {
      await staging.release()
    }
  } finally {
    await db.close()
  }
}

/** BackupCheck is one backup with its manifest and what verifying it found. */
export interface BackupCheck {
  file: string
  manifest: BackupManifest
  /** True when the file matches its manifest and (deep) the engine's checks pass. */
  verified: boolean
  problems: string[]
}

/**
 * verifyBackup checks a backup file on local disk against its manifest: size and SHA-256 and,
 * with `deep` (default), the engine's own checks (integrity_check and row counts on SQLite,
 * pg_restore --list on PostgreSQL). A backup whose manifest says it failed verification when it
 * was made never verifies. Never throws for a bad file; reports it.
 */
export async function verifyBackupFile(
  path: string,
  manifest: BackupManifest,
  options: { deep?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = []
  if (!manifest.verified) problems.push('it failed verification when it was made')
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  )
  if (size < 0) return [...problems, `the file ${path} is missing`]
  if (size !== manifest.sizeBytes) {
    problems.push(`size is ${size} bytes, the manifest says ${manifest.sizeBytes}`)
  }
  if ((await sha256File(path)) !== manifest.sha256) {
    problems.push('checksum mismatch: the file changed since the backup was made')
  }
  if (options.deep !== false) {
    problems.push(...(await engineNamed(manifest.engine).backup.verifyFile(path, manifest)))
  }
  return problems
}

/** checkBackup fetches one backup from a target and verifies it (see verifyBackupFile). */
export async function checkBackup(
  target: BackupTarget,
  store: string,
  file: string,
  options: { deep?: boolean } = {},
): Promise<BackupCheck> {
  const manifest = await target.readManifest(store, file)
  const copy = await target.fetch(store, file).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined
    throw error
  })
  if (!copy) return { file, manifest, verified: false, problems: ['the backup file is missing'] }
  try {
    const problems = await verifyBackupFile(copy.path, manifest, options)
    if (manifest.blobs && options.deep !== false) {
      problems.push(...(await verifyBlobs(manifest.blobs, target, store, { deep: true })))
    }
    return { file, manifest, verified: problems.length === 0, problems }
  } finally {
    await copy.release()
  }
}

/**
 * listBackups returns a store's backups in a target, newest first, each verified (deep by
 * default; `deep: false` checks size and checksum only, enough to know the bytes are those that
 * were verified when the backup was made).
 */
export async function listBackups(
  target: BackupTarget,
  store: string,
  options: { deep?: boolean } = {},
): Promise<BackupCheck[]> {
  const files = await target.list(store)
  const checks: BackupCheck[] = []
  for (const file of files.reverse()) checks.push(await checkBackup(target, store, file, options))
  return checks
}

/**
 * newestVerifiedBackup names the newest backup of `store` in `target` taken on `engine` that
 * still matches its manifest (size and checksum; `restoreStore` verifies it fully before use),
 * for `restore STORE latest`. A backup whose manifest is unreadable is passed over. Throws
 * NotFoundError naming the target when none qualifies.
 */
export async function newestVerifiedBackup(
  target: BackupTarget,
  store: string,
  engine: string,
): Promise<string> {
  for (const file of (await target.list(store)).reverse()) {
    const check = await checkBackup(target, store, file, { deep: false }).catch(() => undefined)
    if (check?.verified && check.manifest.engine === engine) return file
  }
  throw new NotFoundError(
    `no verified ${engine} backup of ${store} in ${target.description}; see genmedia backups ${store}`,
  )
}

/**
 * pruneBackups applies a retention policy to a store's backups in a target: each is checked
 * against its manifest (size and checksum), only verified ones count toward what is kept, the
 * newest verified one is always kept, and the rest are deleted. Returns both lists, newest first.
 */
export async function pruneBackups(
  target: BackupTarget,
  store: string,
  policy: RetentionPolicy,
): Promise<{ kept: string[]; pruned: string[] }> {
  const checks = await listBackups(target, store, { deep: false })
  const decision = applyRetention(
    checks.map((c) => ({
      name: c.file,
      createdAt: new Date(c.manifest.createdAt || parseBackupFileName(c.file)!.takenAt),
      verified: c.verified,
    })),
    policy,
  )
  for (const file of decision.prune) await target.remove(store, file)
  if (decision.prune.length > 0 && checks.some((c) => c.manifest.blobs)) {
    // Objects only the pruned backups held go with them.
    const kept = new Set(decision.keep)
    const referenced = new Set(
      checks
        .filter((c) => kept.has(c.file))
        .flatMap((c) => c.manifest.blobs?.objects.map((o) => o.sha256) ?? []),
    )
    await collectBlobs(target, store, referenced)
  }
  return { kept: decision.keep, pruned: decision.prune }
}
