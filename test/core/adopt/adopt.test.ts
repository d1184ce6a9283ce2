import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  adoptStore,
  diagnoseStore,
  openBackupTarget,
  openStore,
  tableNamesOf,
  type StoreDefinition,
} from '../../../src/core/index.js'
import { storeNamed } from '../../../src/stores/registry.js'
import { copySeed, dumpTables, fileHash, type Dump } from './seed-databases.js'
import { SEED_STATEMENTS } from './seed-statements.js'

const ROWS = 200

interface Case {
  store: string
  variants: string[]
  shape: string
  /**
   * Adopt with --set-aside (the dirty variants; a clean database adopts with nothing set aside).
   * Every row set aside must be one genmedia's latest schema refuses (expectRefusedByLatest).
   */
  setAside?: boolean
  kept?: string[]
  /** A value genmedia's later migrations change on purpose (seed 003's db_version marker). */
  migrated?: { table: string; column: string; where: [string, unknown] }
}

const CASES: Case[] = [
  { store: 'video-batch', variants: [], shape: 'seed 000' },
  { store: 'video-batch', variants: ['indexed'], shape: 'seed 000' },
  { store: 'ai-artist', variants: [], shape: 'Alembic revision 001' },
  { store: 'ai-artist', variants: ['002'], shape: 'Alembic revision 002' },
  { store: 'archive', variants: [], shape: 'seed 003 (no db_version)' },
  {
    store: 'archive',
    variants: ['v1'],
    shape: 'db_version 1.0',
    migrated: { table: 'app_settings', column: 'value', where: ['key', 'db_version'] },
  },
  {
    store: 'archive',
    variants: ['v2'],
    shape: 'db_version 2.0',
    migrated: { table: 'app_settings', column: 'value', where: ['key', 'db_version'] },
  },
  { store: 'trends', variants: [], shape: 'trends.db' },
  {
    store: 'trends',
    variants: ['priority'],
    shape: 'trends.db after migrate_v1_to_v2 (priority)',
    kept: ['trending_topics.priority'],
  },
  { store: 'metrics', variants: [], shape: 'seed 002' },
  { store: 'image-library', variants: [], shape: 'seed 002' },
  // The dirty variants: rows out of range, outside the value sets, orphaned, malformed; set aside.
  { store: 'trends', variants: ['dirty'], shape: 'trends.db', setAside: true },
  { store: 'metrics', variants: ['dirty'], shape: 'seed 002', setAside: true },
  { store: 'image-library', variants: ['dirty'], shape: 'seed 002', setAside: true },
  { store: 'archive', variants: ['dirty'], shape: 'seed 003 (no db_version)', setAside: true },
]

function definitionOf(name: string): StoreDefinition<any> {
  return storeNamed(name as Parameters<typeof storeNamed>[0]) as StoreDefinition<any>
}

function backupTarget() {
  return openBackupTarget(mkdtempSync(join(tmpdir(), 'genmedia-adopt-backups-')))
}

/**
 * expectKept: every row of `before` is in `after` (or in its table's set-aside table) with the
 * same values of the same types; a whole number may come back as the same number stored REAL,
 * where genmedia's column is REAL and the seed's INTEGER.
 */
function expectKept(before: Dump, after: Dump, migrated?: Case['migrated']): void {
  for (const [table, rows] of Object.entries(before)) {
    const now = after[table]!
    const aside = after[`${table}_set_aside`]
    const asideRows = aside ? [...aside.values()] : []
    expect(now.size + asideRows.length, table).toBe(rows.size)
    for (const [key, row] of rows) {
      const found = now.get(key) ?? asideRows.find((r) => JSON.stringify(r) === JSON.stringify(row))
      expect(found, `${table} row ${key}`).toBeDefined()
      for (const [column, [type, value]] of Object.entries(row)) {
        if (
          migrated &&
          migrated.table === table &&
          migrated.column === column &&
          row[migrated.where[0]]?.[1] === migrated.where[1]
        ) {
          continue
        }
        const [newType, newValue] = found![column]!
        if (type === 'integer' && newType === 'real') expect(newValue).toBe(value)
        else expect([newType, newValue], `${table} ${key} ${column}`).toEqual([type, value])
      }
    }
  }
}

/**
 * expectRefusedByLatest: each row adopt set aside is one the adopted database, at genmedia's
 * latest schema, refuses: put back into its table (every other row there, foreign keys on), its
 * INSERT fails. Each attempt is rolled back; the file is left as it was.
 */
function expectRefusedByLatest(location: string, tables: readonly string[]): void {
  const db = new BetterSqlite3(location)
  try {
    db.pragma('foreign_keys = ON')
    db.exec('BEGIN')
    for (const table of tables) {
      const aside = `${table}_set_aside`
      const exists = db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(aside)
      if (!exists) continue
      const columns = (
        db.prepare('SELECT name FROM pragma_table_info(?)').all(aside) as { name: string }[]
      )
        .map((c) => `"${c.name}"`)
        .join(', ')
      const put = db.prepare(
        `INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM "${aside}" WHERE rowid = ?`,
      )
      for (const { k } of db.prepare(`SELECT rowid AS k FROM "${aside}"`).all() as {
        k: number
      }[]) {
        db.exec('SAVEPOINT put_back')
        try {
          expect(() => put.run(k), `${aside} row ${k} goes back into ${table}`).toThrow()
        } finally {
          db.exec('ROLLBACK TO put_back')
          db.exec('RELEASE put_back')
        }
      }
    }
    db.exec('ROLLBACK')
  } finally {
    db.close()
  }
}

describe.each(CASES)('adopt $store $variants', (c) => {
  it('keeps every row and value, leaves doctor clean, lets the seed statements run, and is done once', async () => {
    const definition = definitionOf(c.store)
    const location = copySeed(c.store, ROWS, c.variants)
    const tables = tableNamesOf(definition)
    const before = dumpTables(location, tables)
    const target = backupTarget()

    const result = await adoptStore(definition, {
      location,
      backupTarget: target,
      setAside: c.setAside,
    })
    expect(result.problems).toEqual([])
    expect(result.status).toBe('adopted')
    expect(result.plan.shape).toBe(c.shape)
    expect(result.schemaVersion).toBe(definition.migrations.length)
    expect(result.backup).toMatch(new RegExp(`^${c.store}_`))
    for (const kept of c.kept ?? []) {
      const [table, column] = kept.split('.')
      expect(result.plan.tables.find((t) => t.table === table)?.kept).toContain(column)
    }

    const after = dumpTables(location, [...tables, ...tables.map((t) => `${t}_set_aside`)])
    expectKept(before, after, c.migrated)
    if (!c.setAside) expect(result.setAside).toEqual([])
    expectRefusedByLatest(location, tables)

    const report = await diagnoseStore(definition, { location })
    expect(report.checks.filter((check) => check.status === 'error')).toEqual([])
    expect(report.schemaVersion).toBe(definition.migrations.length)

    const store = await openStore(definition, { location, migrate: false })
    await store.close()

    const db = new BetterSqlite3(location)
    try {
      for (const statement of SEED_STATEMENTS[c.store]!) {
        expect(() => statement(db), statement.name).not.toThrow()
      }
    } finally {
      db.close()
    }

    const again = await adoptStore(definition, { location, backupTarget: target })
    expect(again.status).toBe('nothing to do')
    expect(again.plan.status).toBe('genmedia')
  })
})

describe('adopt refuses and changes nothing', () => {
  it('--dry-run changes no byte of the file and says what it would do', async () => {
    const definition = definitionOf('ai-artist')
    const location = copySeed('ai-artist', ROWS, ['002'])
    const hash = fileHash(location)
    const result = await adoptStore(definition, { location, dryRun: true })
    expect(result.status).toBe('rehearsed')
    expect(result.plan.baseVersion).toBe(2)
    expect(result.after.generated_images).toBe(result.before.generated_images)
    expect(fileHash(location)).toBe(hash)
  })

  it('refuses a foreign database under the store’s file name, byte for byte unchanged', async () => {
    const definition = definitionOf('video-batch')
    const location = join(mkdtempSync(join(tmpdir(), 'genmedia-foreign-')), 'llm_video_batch.db')
    const db = new BetterSqlite3(location)
    db.exec(
      "CREATE TABLE images (id INTEGER PRIMARY KEY, url TEXT NOT NULL, width INTEGER NOT NULL); INSERT INTO images (url, width) VALUES ('a', 1)",
    )
    db.close()
    const hash = fileHash(location)
    const result = await adoptStore(definition, { location, backupTarget: backupTarget() })
    expect(result.status).toBe('refused')
    expect(result.problems).toContain(
      "images.original_filename: genmedia's images needs it (NOT NULL, no default), the database does not have it",
    )
    expect(fileHash(location)).toBe(hash)
  })

  it('refuses a database with none of the store’s tables', async () => {
    const location = join(mkdtempSync(join(tmpdir(), 'genmedia-foreign-')), 'other.db')
    const db = new BetterSqlite3(location)
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    db.close()
    const result = await adoptStore(definitionOf('trends'), { location })
    expect(result.status).toBe('refused')
    expect(result.problems[0]).toMatch(/^none of trends's tables/)
  })

  it('refuses seed 000 rows that break a later migration’s rule, naming the migration, even with --set-aside', async () => {
    const definition = definitionOf('video-batch')
    const location = copySeed('video-batch', ROWS, ['dirty'])
    const tables = tableNamesOf(definition)
    const before = dumpTables(location, tables)
    const result = await adoptStore(definition, {
      location,
      backupTarget: backupTarget(),
      setAside: true,
    })
    expect(result.status).toBe('refused')
    expect(result.problems).toEqual([
      'migration 2 (claims, import identities, query indexes): status already exists (UNIQUE constraint failed: images.status)',
    ])
    expect(dumpTables(location, tables)).toEqual(before)
  })

  it('names each row that breaks a constraint genmedia adds, refuses, and with --set-aside keeps them aside', async () => {
    const definition = definitionOf('ai-artist')
    const location = copySeed('ai-artist', ROWS, ['dirty'])
    const tables = tableNamesOf(definition)
    const before = dumpTables(location, tables)
    const refused = await adoptStore(definition, { location, backupTarget: backupTarget() })
    expect(refused.status).toBe('refused')
    expect(refused.rejected.length).toBeGreaterThan(0)
    for (const row of refused.rejected) {
      expect(row.table).toMatch(/^(generated_images|training_sessions|creation_sessions)$/)
      expect(row.column).not.toBe('')
    }
    expect(refused.rejected.map((r) => r.column)).toContain('final_score')
    // The transaction rolled back: the database holds what it held, and genmedia took nothing.
    expect(dumpTables(location, tables)).toEqual(before)
    expect(dumpTables(location, ['genmedia_migrations'])).toEqual({})

    const adopted = await adoptStore(definition, {
      location,
      backupTarget: backupTarget(),
      setAside: true,
    })
    expect(adopted.status).toBe('adopted')
    expect(adopted.setAside.length).toBe(refused.rejected.length)
    expectKept(before, dumpTables(location, [...tables, ...tables.map((t) => `${t}_set_aside`)]))
  })
})

const NULLS = [
  {
    store: 'image-library',
    table: 'image_library',
    column: 'emotion',
    insert:
      "INSERT INTO image_library (character, emotion, file_path, source) VALUES ('nutsy', NULL, 'data/images/nutsy/none.png', 'photo')",
    fix: "UPDATE image_library SET emotion = 'neutral' WHERE emotion IS NULL",
    fixed: ['text', 'neutral'],
  },
  {
    store: 'trends',
    table: 'trending_topics',
    column: 'relevance_score',
    insert:
      "INSERT INTO trending_topics (topic, source, relevance_score) VALUES ('unscored', 'reddit', NULL)",
    fix: 'UPDATE trending_topics SET relevance_score = 0.0 WHERE relevance_score IS NULL',
    fixed: ['real', 0],
  },
]

describe.each(NULLS)(
  'adopt and a NULL in $table.$column (seed 002 allows it, genmedia does not)',
  (c) => {
    it('names the row and refuses; the UPDATE docs/adopt.md gives lets it adopt in place', async () => {
      const definition = definitionOf(c.store)
      const location = copySeed(c.store, ROWS)
      const db = new BetterSqlite3(location)
      const id = Number(db.prepare(c.insert).run().lastInsertRowid)
      db.close()

      const refused = await adoptStore(definition, { location, backupTarget: backupTarget() })
      expect(refused.status).toBe('refused')
      expect(refused.rejected.map((r) => [r.table, r.key, r.column])).toEqual([
        [c.table, id, c.column],
      ])

      const fix = new BetterSqlite3(location)
      fix.exec(c.fix)
      fix.close()
      const adopted = await adoptStore(definition, { location, backupTarget: backupTarget() })
      expect(adopted.status).toBe('adopted')
      expect(adopted.setAside).toEqual([])
      const row = dumpTables(location, [c.table])[c.table]!.get(String(id))!
      expect(row[c.column]).toEqual(c.fixed)
    })
  },
)
