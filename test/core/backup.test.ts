import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import {
  newestVerifiedBackup,
  backupStore,
  BackupVerificationError,
  checkBackup,
  listBackups,
  pruneBackups,
  restoreStore,
  runTool,
  sha256File,
  sqliteFilePath,
  type BackupManifest,
  type FolderBackupTarget,
} from '../../src/core/backup/index.js'
import { sqliteBackupEngine } from '../../src/core/engines/sqlite/backup.js'
import {
  ConfigError,
  NotFoundError,
  openStore,
  SchemaVersionError,
  tableNamesOf,
} from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, SQLITE, useEngine } from '../engines.js'
import {
  failingAiArtist,
  flipBytes,
  folderTarget,
  imageRows,
  seededStore,
} from './backup-helpers.js'

/** withSchema is a PostgreSQL location naming another schema of the same database. */
function withSchema(location: string, schema: string): string {
  const url = new URL(location)
  url.searchParams.set('schema', schema)
  return url.toString()
}

describe.each(ENGINES)('backup and restore on $name', (engine) => {
  const ctx = useEngine(engine)
  const targets: FolderBackupTarget[] = []
  const newTarget = () => {
    const target = folderTarget(ctx.dir)
    targets.push(target)
    return target
  }
  afterEach(async () => {
    for (const target of targets.splice(0)) await target.close()
  })

  // pg_dump cannot reach the in-process PGlite reliably; only a real server can be dumped.
  it.runIf(engine.concurrent)(
    'takes a verified backup whose manifest records what it holds',
    async () => {
      const location = ctx.freshLocation('backup')
      await seededStore(location)
      const target = newTarget()
      const result = await backupStore(aiArtistStore, { location, target })
      const { manifest } = result
      const extension = engine.name === 'sqlite' ? 'db' : 'dump'
      expect(manifest.file).toMatch(new RegExp(`^ai-artist_\\d{8}_\\d{6}\\.${extension}$`))
      expect(manifest).toMatchObject({
        format: 1,
        store: 'ai-artist',
        engine: engine.name,
        schemaVersion: aiArtistStore.migrations.length,
        verified: true,
        problems: [],
      })
      const path = join(target.folder, 'ai-artist', manifest.file)
      expect(manifest.sha256).toBe(await sha256File(path))
      expect(manifest.sizeBytes).toBe(readFileSync(path).length)
      const onDisk = JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8'))
      expect(onDisk).toEqual(manifest)
      const rows = await imageRows(location)
      expect(manifest.rowCounts.generated_images).toBe(rows.length)
      expect(Object.keys(manifest.rowCounts)).toEqual(tableNamesOf(aiArtistStore))

      const [listed] = await listBackups(target, 'ai-artist')
      expect(listed).toMatchObject({ file: manifest.file, verified: true, problems: [] })
      // No staging leftovers beside the backups.
      expect(readdirSync(join(target.folder, 'ai-artist')).sort()).toEqual(
        [manifest.file, `${manifest.file}.manifest.json`].sort(),
      )
    },
  )

  it.runIf(engine.concurrent)(
    'restores a backup: data equal to the backup, not to what changed since',
    async () => {
      const location = ctx.freshLocation('roundtrip')
      await seededStore(location)
      const target = newTarget()
      const before = await imageRows(location)
      const { manifest } = await backupStore(aiArtistStore, { location, target })

      const store = await openStore(aiArtistStore, { location })
      await store.db.query("UPDATE generated_images SET status = 'rejected' WHERE id <= 20")
      await store.db.query('DELETE FROM generated_images WHERE id > 300')
      await store.repo.addImage({ filename: 'after-backup.png', prompt: 'p', model_id: 'm' })
      await store.close()
      expect(await imageRows(location)).not.toEqual(before)

      const restored = await restoreStore(
        aiArtistStore,
        { target, file: manifest.file },
        { location, restorePointDir: join(ctx.dir, 'restore-points') },
      )
      expect(restored).toMatchObject({
        store: 'ai-artist',
        fromVersion: aiArtistStore.migrations.length,
        schemaVersion: aiArtistStore.migrations.length,
        rowCounts: manifest.rowCounts,
      })
      expect(await imageRows(location)).toEqual(before)
      if (restored.restorePoint) {
        // The restore point holds the database as it was just before the restore.
        // A file on SQLite, a schema beside the store's on PostgreSQL.
        const pointLocation =
          engine.name === 'sqlite'
            ? restored.restorePoint
            : withSchema(location, restored.restorePoint)
        const point = await openStore(aiArtistStore, { location: pointLocation, readOnly: true })
        const [row] = await point.db.query<{ n: number }>(
          "SELECT COUNT(*) AS n FROM generated_images WHERE filename = 'after-backup.png'",
        )
        await point.close()
        expect(row!.n).toBe(1)
      }
    },
  )

  it.runIf(engine.concurrent)(
    'latest is the newest backup that verifies: a damaged newer one is passed over',
    async () => {
      const location = ctx.freshLocation('latest')
      await seededStore(location)
      const target = newTarget()
      await expect(newestVerifiedBackup(target, 'ai-artist', engine.name)).rejects.toThrow(
        /no verified .* backup of ai-artist/,
      )
      const older = await backupStore(aiArtistStore, { location, target })
      const newer = await backupStore(aiArtistStore, { location, target })
      expect(await newestVerifiedBackup(target, 'ai-artist', engine.name)).toBe(newer.manifest.file)
      appendFileSync(join(target.folder, 'ai-artist', newer.manifest.file), 'damage')
      expect(await newestVerifiedBackup(target, 'ai-artist', engine.name)).toBe(older.manifest.file)
      const other = engine.name === 'sqlite' ? 'postgres' : 'sqlite'
      await expect(newestVerifiedBackup(target, 'ai-artist', other)).rejects.toThrow(NotFoundError)
    },
  )

  it.runIf(engine.concurrent)(
    'a failing restore leaves the original database in place',
    async () => {
      const location = ctx.freshLocation('failing')
      await seededStore(location)
      const target = newTarget()
      const { manifest } = await backupStore(aiArtistStore, { location, target })
      const store = await openStore(aiArtistStore, { location })
      await store.db.query('DELETE FROM generated_images WHERE id > 100')
      await store.close()
      const changed = await imageRows(location)

      // The swap succeeds, then migrating the restored database forward fails: it must roll back.
      await expect(
        restoreStore(
          failingAiArtist,
          { target, file: manifest.file },
          {
            location,
            restorePointDir: join(ctx.dir, 'restore-points'),
          },
        ),
      ).rejects.toThrow(/no_such_column/)
      expect(await imageRows(location)).toEqual(changed)
      const reopened = await openStore(aiArtistStore, { location, readOnly: true })
      expect(await reopened.migrator.currentVersion()).toBe(aiArtistStore.migrations.length)
      if (reopened.db.engine === 'postgres') {
        const leftovers = await reopened.db.query(
          'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)',
          [`${reopened.db.schema}_`],
        )
        expect(leftovers).toEqual([])
      } else {
        const file = sqliteFilePath(location)
        const dir = join(file, '..')
        expect(readdirSync(dir).filter((f) => f.includes('.restoring-'))).toEqual([])
      }
      await reopened.close()
    },
  )

  it.runIf(engine.concurrent)(
    'refuses a backup from a newer schema version and changes nothing',
    async () => {
      const location = ctx.freshLocation('newer')
      await seededStore(location)
      const target = newTarget()
      const { manifest } = await backupStore(aiArtistStore, { location, target })
      const olderCode = { ...aiArtistStore, migrations: aiArtistStore.migrations.slice(0, 1) }
      const other = ctx.freshLocation('older')
      await expect(
        restoreStore(olderCode, { target, file: manifest.file }, { location: other }),
      ).rejects.toBeInstanceOf(SchemaVersionError)
      if (engine.name === 'sqlite') expect(existsSync(other)).toBe(false)
    },
  )

  it.runIf(engine.concurrent)(
    'detects a corrupted backup, which never counts toward retention',
    async () => {
      const location = ctx.freshLocation('corrupt')
      await seededStore(location)
      const target = newTarget()
      const files: string[] = []
      for (const day of [1, 2, 3]) {
        const now = new Date(Date.UTC(2026, 0, day, 2))
        files.push((await backupStore(aiArtistStore, { location, target, now })).manifest.file)
      }
      const newest = files[2]!
      await flipBytes(join(target.folder, 'ai-artist', newest))

      const check = await checkBackup(target, 'ai-artist', newest)
      expect(check.verified).toBe(false)
      expect(check.problems.join('; ')).toMatch(/checksum mismatch/)
      await expect(
        restoreStore(aiArtistStore, { target, file: newest }, { location }),
      ).rejects.toBeInstanceOf(BackupVerificationError)

      const decision = await pruneBackups(target, 'ai-artist', { keep: 1 })
      expect(decision.kept).toEqual([files[1]])
      expect(decision.pruned).toEqual([newest, files[0]])
      expect(await target.list('ai-artist')).toEqual([files[1]])
    },
  )

  it.runIf(engine.concurrent)(
    'prunes by policy after each backup, keeping the newest verified',
    async () => {
      const location = ctx.freshLocation('keep')
      await seededStore(location)
      const target = newTarget()
      const made: string[] = []
      for (const day of [1, 2, 3, 4]) {
        const now = new Date(Date.UTC(2026, 1, day, 2))
        const result = await backupStore(aiArtistStore, {
          location,
          target,
          now,
          retention: { keep: 2 },
        })
        made.push(result.manifest.file)
        expect(result.kept[0]).toBe(result.manifest.file)
      }
      expect(await target.list('ai-artist')).toEqual(made.slice(2))
    },
  )
})

describe('the SQLite check of a fresh copy (pagesOnly)', () => {
  const ctx = useEngine(SQLITE)

  /** A verified pages-only backup of a seeded store, and a scratch copy of its file. */
  async function backupCopy(): Promise<{ manifest: BackupManifest; copy: string }> {
    const location = ctx.freshLocation('pages')
    await seededStore(location)
    const target = folderTarget(ctx.dir)
    try {
      const { manifest } = await backupStore(aiArtistStore, { location, target, pagesOnly: true })
      expect(manifest.verified).toBe(true)
      const copy = join(ctx.dir, `copy-${manifest.sha256.slice(0, 8)}-${Math.random()}.db`)
      copyFileSync(join(target.folder, 'ai-artist', manifest.file), copy)
      return { manifest, copy }
    } finally {
      await target.close()
    }
  }

  it('finds a page of a table or an index zeroed in the copy', async () => {
    for (const name of ['generated_images', 'idx_model_id']) {
      const { manifest, copy } = await backupCopy()
      const db = new BetterSqlite3(copy, { readonly: true })
      const { pageno } = db
        .prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno DESC LIMIT 1')
        .get(name) as { pageno: number }
      const pageSize = db.pragma('page_size', { simple: true }) as number
      db.close()
      const handle = openSync(copy, 'r+')
      writeSync(handle, Buffer.alloc(pageSize), 0, pageSize, (pageno - 1) * pageSize)
      closeSync(handle)
      const problems = await sqliteBackupEngine.verifyFile(copy, manifest, { pagesOnly: true })
      expect(problems.join('; '), name).toMatch(/quick_check|malformed/)
    }
  })

  it('finds a copy cut short', async () => {
    const { manifest, copy } = await backupCopy()
    truncateSync(copy, Math.floor(statSync(copy).size / 2))
    const problems = await sqliteBackupEngine.verifyFile(copy, manifest, { pagesOnly: true })
    expect(problems.length).toBeGreaterThan(0)
  })
})

describe('backup prerequisites', () => {
  it('names what to install when a PostgreSQL client tool is missing', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const error = await runTool('pg_dump', ['--version']).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(
        /pg_dump is not on PATH: install the PostgreSQL client tools/,
      )
    } finally {
      process.env.PATH = path
    }
  })
})
