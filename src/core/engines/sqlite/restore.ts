import { existsSync } from 'node:fs'
import { copyFile, mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import type { RestoreOutcome, RestorePointScope, RestoreRequest } from '../../backup/engine.js'
import { ConflictError, NotFoundError } from '../../errors.js'
import { openStore } from '../../store.js'
import { openSqliteFile } from './connection.js'
import { sqliteFilePath } from './location.js'
import { findLeftovers, removeLeftovers, scratchName } from './scratch.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** fsyncPath flushes a file (or folder) to disk. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function restorePointName(store: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').replace('.', '')
  return `${store}_restore_point_${stamp.slice(0, 18)}`
}

/** listSqliteRestorePoints lists a store's restore-point files, newest first. */
export async function listSqliteRestorePoints({ definition, restorePointDir }: RestorePointScope) {
  const prefix = `${definition.name}_restore_point_`
  const names = await readdir(restorePointDir).catch(() => [] as string[])
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith('.db'))
    .sort()
    .reverse()
    .map((n) => join(restorePointDir, n))
}

/**
 * keepRestorePoint writes an online-backup copy of the live database to the restore-point
 * folder: first under a scratch name, then renamed, so that a restore point is whole or absent.
 */
async function keepRestorePoint(target: string, request: RestoreRequest): Promise<string> {
  const dir = request.restorePointDir
  await mkdir(dir, { recursive: true })
  const base = restorePointName(request.definition.name, request.now)
  let path = join(dir, `${base}.db`)
  for (let n = 2; existsSync(path); n++) path = join(dir, `${base}-${n}.db`)
  const partial = join(dir, scratchName(basename(path), 'partial'))
  const handle = openSqliteFile(target)
  try {
    await handle.backup(partial)
    // Everything committed is in the main file once the WAL is checkpointed, so the swap below
    // can drop the old -wal without losing a write.
    handle.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    handle.close()
  }
  await fsyncPath(partial)
  await rename(partial, path)
  return path
}

/**
 * restoreSqlite swaps a verified backup in atomically. The backup is copied beside the store
 * (`.<file>.restoring-<pid>-<hex>`), migrated forward and checked there, flushed; then a restore
 * point of the live database is kept (whole or not at all), and the copy renamed over the store,
 * which is the single step that changes it: a kill before leaves the old database, after the new
 * one. Scratch files of killed restores are removed first, and restore points beyond
 * `keepRestorePoints` afterwards, oldest first.
 */
export async function restoreSqlite(request: RestoreRequest): Promise<RestoreOutcome> {
  const { definition, onProgress } = request
  const target = sqliteFilePath(request.location)
  const dir = dirname(target)
  await mkdir(dir, { recursive: true })
  await removeLeftovers(dir, basename(target), 'restoring')
  await mkdir(request.restorePointDir, { recursive: true })
  for (const name of await readdir(request.restorePointDir)) {
    if (name.startsWith('.')) {
      const file = /^\.(.+)\.partial-/.exec(name)?.[1]
      if (file) await removeLeftovers(request.restorePointDir, file, 'partial')
    }
  }
  const tmp = join(dir, scratchName(target, 'restoring'))
  let restorePoint: string | null = null
  try {
    onProgress?.({ phase: 'copy', done: 0, total: 4 })
    await copyFile(request.backupPath, tmp)
    onProgress?.({ phase: 'migrate', done: 1, total: 4 })
    const store = await openStore(definition, { location: tmp })
    let schemaVersion: number
    const rowCounts: Record<string, number> = {}
    try {
      schemaVersion = await store.migrator.currentVersion()
      const handle = store.db.sqliteHandle!
      for (const table of Object.keys(request.manifest.rowCounts)) {
        if (schemaVersion === 0) rowCounts[table] = 0
        else {
          const row = handle.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as {
            n: number
          }
          rowCounts[table] = Number(row.n)
        }
      }
    } finally {
      await store.close()
    }
    // One self-contained file: the WAL folded in, nothing beside it to lose in the rename.
    const handle = new BetterSqlite3(tmp)
    try {
      handle.pragma('journal_mode = DELETE')
    } finally {
      handle.close()
    }
    await fsyncPath(tmp)
    if (existsSync(target)) {
      onProgress?.({ phase: 'restore point', done: 2, total: 4 })
      restorePoint = await keepRestorePoint(target, request)
    }
    onProgress?.({ phase: 'swap', done: 3, total: 4 })
    for (const suffix of ['-wal', '-shm', '-journal']) await rm(target + suffix, { force: true })
    await rename(tmp, target)
    await fsyncPath(dir)
    const prunedRestorePoints = (await listSqliteRestorePoints(request)).slice(
      Math.max(0, request.keepRestorePoints),
    )
    for (const path of prunedRestorePoints) await rm(path, { force: true })
    onProgress?.({ phase: 'done', done: 4, total: 4 })
    return { schemaVersion, rowCounts, restorePoint, prunedRestorePoints }
  } catch (error) {
    // The store was not touched: the rename is the last step that can fail.
    if (restorePoint) await rm(restorePoint, { force: true })
    throw error
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(tmp + suffix, { force: true })
  }
}

/** sqliteRestoreLeftovers lists the scratch files of killed restores, as full paths. */
export async function sqliteRestoreLeftovers(scope: RestorePointScope): Promise<string[]> {
  const target = sqliteFilePath(scope.location)
  const beside = await findLeftovers(dirname(target), basename(target), 'restoring')
  const points: string[] = []
  for (const name of await readdir(scope.restorePointDir).catch(() => [] as string[])) {
    const file = /^\.(.+)\.partial-/.exec(name)?.[1]
    if (file && (await findLeftovers(scope.restorePointDir, file, 'partial')).includes(name)) {
      points.push(join(scope.restorePointDir, name))
    }
  }
  return [...beside.map((n) => join(dirname(target), n)), ...points]
}

/**
 * recoverSqlite copies the newest restore point back where the store's file is missing (written
 * beside it and renamed into place); refuses while the file exists.
 */
export async function recoverSqlite(scope: RestorePointScope): Promise<string> {
  const target = sqliteFilePath(scope.location)
  if (existsSync(target)) {
    throw new ConflictError(
      `${target} exists; recovering puts a restore point back only where the store is missing`,
    )
  }
  const [newest] = await listSqliteRestorePoints(scope)
  if (!newest) throw new NotFoundError(`${scope.restorePointDir} holds no restore point`)
  await mkdir(dirname(target), { recursive: true })
  const tmp = join(dirname(target), scratchName(target, 'restoring'))
  try {
    await copyFile(newest, tmp)
    await fsyncPath(tmp)
    await rename(tmp, target)
  } finally {
    await rm(tmp, { force: true })
  }
  return newest
}
