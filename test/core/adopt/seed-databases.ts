import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'

const SCRIPT = fileURLToPath(
  new URL('../../fixtures/seed-databases/make_databases.py', import.meta.url),
)

/** Where each store's seed database lies under the script's OUT_DIR. */
export const SEED_FILES: Readonly<Record<string, string>> = {
  'video-batch': 'data/llm_video_batch.db',
  trends: 'data/trends.db',
  metrics: 'data/metrics.db',
  'image-library': 'data/image_library.db',
  archive: 'App/config/state.db',
  'ai-artist': 'data/ai_artist.db',
}

const made = new Map<string, string>()

/**
 * seedDatabases runs the fixture script once per set of variants (rows `rows`) into a temporary
 * folder and returns that folder; callers copy files out of it before changing them.
 */
export function seedDatabases(rows: number, variants: readonly string[] = []): string {
  const key = `${rows}:${[...variants].sort().join(',')}`
  const cached = made.get(key)
  if (cached) return cached
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-seed-'))
  const args = [SCRIPT, dir, '--rows', String(rows), ...variants.flatMap((v) => ['--variant', v])]
  execFileSync('python3', args, { stdio: 'pipe' })
  made.set(key, dir)
  return dir
}

/** copySeed copies one store's seed database into a fresh folder and returns its path. */
export function copySeed(store: string, rows: number, variants: readonly string[] = []): string {
  const source = join(seedDatabases(rows, variants), SEED_FILES[store]!)
  const target = join(mkdtempSync(join(tmpdir(), 'genmedia-adopt-')), 'data', 'seed.db')
  execFileSync('mkdir', ['-p', dirname(target)])
  copyFileSync(source, target)
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(source + suffix)) copyFileSync(source + suffix, target + suffix)
  }
  return target
}

/** sha256 of a file's bytes. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** Every row of every table, typed, by table then key (read with better-sqlite3, not genmedia). */
export type Dump = Record<string, Map<string, Record<string, [string, unknown]>>>

/** dumpTables reads `tables` whole: each row keyed by its rowid, each value with its SQLite type. */
export function dumpTables(path: string, tables: readonly string[]): Dump {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    const dump: Dump = {}
    for (const table of tables) {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table)
      if (!exists) continue
      const columns = (
        db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]
      ).map((c) => c.name)
      const select = columns.map((c) => `typeof("${c}") AS "t_${c}", "${c}"`).join(', ')
      const rows = new Map<string, Record<string, [string, unknown]>>()
      for (const row of db
        .prepare(`SELECT rowid AS __key, ${select} FROM "${table}"`)
        .all() as Record<string, unknown>[]) {
        const values: Record<string, [string, unknown]> = {}
        for (const c of columns) values[c] = [String(row[`t_${c}`]), row[c]]
        rows.set(String(row.__key), values)
      }
      dump[table] = rows
    }
    return dump
  } finally {
    db.close()
  }
}
