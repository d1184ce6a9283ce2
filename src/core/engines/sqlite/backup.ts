import BetterSqlite3 from 'better-sqlite3'
import type {
  BackupEngine,
  BlobReference,
  RestoreOutcome,
  RestoreRequest,
} from '../../backup/engine.js'
import type { BackupManifest } from '../../backup/manifest.js'
import type { Database } from '../../database.js'
import { MIGRATION_TABLE } from '../../migrator.js'
import { tableNamesOf } from '../../store.js'
import {
  listSqliteRestorePoints,
  recoverSqlite,
  restoreSqlite,
  sqliteRestoreLeftovers,
} from './restore.js'

/** Pages copied per step of the online backup between which other work (progress) runs. */
const PAGES_PER_STEP = 1000

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

function readSnapshot(handle: BetterSqlite3.Database, tables: readonly string[]) {
  const hasMigrations = handle
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATION_TABLE)
  const version = hasMigrations
    ? Number(
        (handle.prepare(`SELECT MAX(version) AS v FROM ${MIGRATION_TABLE}`).get() as { v: number })
          .v ?? 0,
      )
    : 0
  const rowCounts: Record<string, number> = {}
  for (const table of tables) {
    rowCounts[table] =
      version === 0
        ? 0
        : Number(
            (handle.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n,
          )
  }
  return { schemaVersion: version, rowCounts }
}

/**
 * sqliteBackupEngine backs SQLite stores up with SQLite's online backup API, inside one read
 * transaction on the source: the copy, its row counts and its schema version come from the same
 * snapshot, the backup never restarts when another process writes, and in WAL mode writers are
 * not blocked meanwhile.
 */
export const sqliteBackupEngine: BackupEngine = {
  extension: 'db',

  async snapshot(db: Database, _location, definition, destination, onProgress) {
    const handle = db.sqliteHandle
    if (!handle) throw new Error('a SQLite backup needs a SQLite database')
    handle.exec('BEGIN')
    try {
      // The first read of a deferred transaction fixes its snapshot; the backup below reads the
      // same one because it runs on this connection inside this transaction.
      const snapshot = {
        ...readSnapshot(handle, tableNamesOf(definition)),
        blobReferences: [] as BlobReference[],
      }
      if (definition.blobs && snapshot.schemaVersion > 0) {
        snapshot.blobReferences = handle
          .prepare(definition.blobs.references)
          .all() as BlobReference[]
      }
      await handle.backup(destination, {
        progress: ({ totalPages, remainingPages }) => {
          onProgress?.({ phase: 'copy', done: totalPages - remainingPages, total: totalPages })
          return PAGES_PER_STEP
        },
      })
      const total = handle.pragma('page_count', { simple: true }) as number
      onProgress?.({ phase: 'copy', done: total, total })
      // A backup is one self-contained file: no WAL beside it, whatever mode the source uses.
      const copy = new BetterSqlite3(destination)
      try {
        copy.pragma('journal_mode = DELETE')
      } finally {
        copy.close()
      }
      return snapshot
    } finally {
      handle.exec('COMMIT')
    }
  },

  async verifyFile(path: string, manifest: BackupManifest, options = {}): Promise<string[]> {
    const problems: string[] = []
    let handle: BetterSqlite3.Database
    try {
      handle = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
    } catch (error) {
      return [`cannot open the backup: ${(error as Error).message}`]
    }
    try {
      // integrity_check matches every index entry with its row: with SQLite's default 2 MB page
      // cache a large backup was read from disk over and over. Up to 256 MiB, taken as read.
      handle.pragma('cache_size = -262144')
      const check = options.pagesOnly ? 'quick_check' : 'integrity_check'
      const result = handle.pragma(check) as Record<string, string>[]
      const messages = result.map((r) => r[check]!)
      if (messages.length !== 1 || messages[0] !== 'ok') {
        problems.push(`${check}: ${messages.slice(0, 3).join('; ')}`)
      }
      const found = readSnapshot(handle, Object.keys(manifest.rowCounts))
      if (found.schemaVersion !== manifest.schemaVersion) {
        problems.push(
          `schema version ${found.schemaVersion} in the file, ${manifest.schemaVersion} in the manifest`,
        )
      }
      for (const [table, expected] of Object.entries(manifest.rowCounts)) {
        if (found.rowCounts[table] !== expected) {
          problems.push(
            `${table} holds ${found.rowCounts[table]} rows, the manifest says ${expected}`,
          )
        }
      }
    } catch (error) {
      problems.push(`reading the backup failed: ${(error as Error).message}`)
    } finally {
      handle.close()
    }
    return problems
  },

  restore(request: RestoreRequest): Promise<RestoreOutcome> {
    return restoreSqlite(request)
  },

  restorePoints: listSqliteRestorePoints,
  leftovers: sqliteRestoreLeftovers,
  recover: recoverSqlite,
}
