import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { Random } from '../../src/core/random.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { tableNamesOf } from '../../src/core/index.js'
import {
  dumpTables,
  fileHash,
  seedDatabases,
  SEED_FILES,
  type Dump,
} from '../core/adopt/seed-databases.js'
import { CLI, killCliDuring, runCli } from './run-cli.js'

const TABLES = tableNamesOf(aiArtistStore)
const VERSIONS = aiArtistStore.migrations.map((m) => m.version)

/** dataDirWith makes a data folder holding the seed's ai-artist database where genmedia looks. */
function dataDirWith(rows: number, variants: string[] = []): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-adopt-cli-'))
  mkdirSync(join(dir, 'data'))
  const file = join(dir, 'data', 'ai_artist.db')
  copyFileSync(join(seedDatabases(rows, variants), SEED_FILES['ai-artist']!), file)
  return { dir, file }
}

const envOf = (dir: string) => ({ GENMEDIA_DATA_DIR: join(dir, 'data') })

function migrationsOf(file: string): number[] {
  const db = new BetterSqlite3(file, { readonly: true })
  try {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE name = 'genmedia_migrations'")
      .get()
    if (!exists) return []
    return (
      db.prepare('SELECT version FROM genmedia_migrations ORDER BY version').all() as {
        version: number
      }[]
    ).map((r) => r.version)
  } finally {
    db.close()
  }
}

/** The images per status as the triggers' summary holds them (migration 3 fills it on adopt). */
function totalsOf(file: string): Record<string, number> {
  return countsBy(
    file,
    'SELECT status, SUM(images) AS n FROM image_quality_totals GROUP BY status HAVING SUM(images) > 0',
  )
}

/** The images per status, counted. */
function countsOf(file: string): Record<string, number> {
  return countsBy(file, 'SELECT status, COUNT(*) AS n FROM generated_images GROUP BY status')
}

function countsBy(file: string, sql: string): Record<string, number> {
  const db = new BetterSqlite3(file, { readonly: true })
  try {
    const rows = db.prepare(sql).all() as { status: string; n: number }[]
    return Object.fromEntries(rows.map((r) => [r.status, r.n]))
  } finally {
    db.close()
  }
}

describe('genmedia adopt', () => {
  it('init --check says adoptable with the real row counts, init refuses naming adopt, adopt takes it over', async () => {
    const { dir, file } = dataDirWith(150)
    const env = envOf(dir)
    const check = await runCli(['init', '--check', '--json', 'ai-artist'], { env })
    expect(check.code).toBe(1)
    const [report] = check.json()
    expect(report.status).toBe('adoptable')
    expect(report.rowCounts.generated_images).toBe(150)

    const hash = fileHash(file)
    const init = await runCli(['init', 'ai-artist'], { env })
    expect(init.code).toBe(1)
    expect(init.stderr).toContain('run genmedia adopt ai-artist')
    expect(fileHash(file)).toBe(hash)

    const dry = await runCli(['adopt', '--dry-run', 'ai-artist'], { env })
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('can be adopted (dry run: nothing changed)')
    expect(dry.stdout).toContain('other tables, left alone: alembic_version')
    expect(fileHash(file)).toBe(hash)

    const adopted = await runCli(['adopt', '--json'], { env })
    expect(adopted.code).toBe(0)
    const results = adopted.json()
    expect(results.map((r: { plan: { store: string } }) => r.plan.store)).toEqual(['ai-artist'])
    expect(results[0].status).toBe('adopted')
    expect(results[0].after.generated_images).toBe(150)
    expect(readdirSync(join(dir, 'data', 'backups', 'ai-artist'))).toContain(`${results[0].backup}`)

    const ready = await runCli(['init', '--check', '--json', 'ai-artist'], { env })
    expect(ready.json()[0].status).toBe('ready')
    const again = await runCli(['adopt', 'ai-artist'], { env })
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('nothing to do (genmedia made this database)')
  })

  it('start leaves a pipeline’s database for adopt; the server lists it as adoptable', async () => {
    const { dir, file } = dataDirWith(120)
    const env = { ...envOf(dir), GENMEDIA_STORAGE_URL: `file://${join(dir, 'blobs')}` }
    const hash = fileHash(file)
    const start = await runCli(['start', '--no-serve', '--json'], { env })
    expect(start.code).toBe(0)
    const artist = start.json().find((r: { store: string }) => r.store === 'ai-artist')
    expect(artist.status).toBe('adoptable')
    expect(artist.rowCounts.generated_images).toBe(120)
    expect(fileHash(file)).toBe(hash)
    // The table leaves blank what a database left for adopt does not have (no version).
    const table = await runCli(['start', '--no-serve'], { env })
    expect(table.stdout).toMatch(/ai-artist\W+adoptable/)
    expect(table.stdout).not.toContain('undefined')

    const stores = await servedStores(env)
    const listed = stores.find((s) => s.store === 'ai-artist')!
    expect(listed.status).toBe('adoptable')
    expect(listed.message).toBe('run genmedia adopt ai-artist')
    expect((listed.rowCounts as Record<string, number>).generated_images).toBe(120)
    expect(stores.find((s) => s.store === 'trends')!.status).toBeUndefined()
    expect(fileHash(file)).toBe(hash)
  })

  it('refuses rows that break genmedia’s constraints, naming table, key and column; exit 1', async () => {
    const { dir } = dataDirWith(100, ['dirty'])
    const result = await runCli(['adopt', 'ai-artist'], { env: envOf(dir) })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/ai-artist: generated_images \d+ \(final_score\): /)
    expect(result.stdout).toContain('refused: nothing changed')
  })

  it('SIGKILL at any point leaves the original or the fully adopted database', async () => {
    const rows = 200
    const original = dumpTables(dataDirWith(rows).file, TABLES)
    const random = new Random(14)
    const seen = new Set<string>()
    for (let round = 0; round < 6; round++) {
      const { dir, file } = dataDirWith(rows)
      const backups = join(dir, 'data', 'backups', 'ai-artist')
      // Half the kills land anywhere from start-up on; half once the backup exists, that is
      // while the rebuild's transaction runs or just after.
      const afterBackup = round % 2 === 1
      await killCliDuring(['adopt', 'ai-artist'], envOf(dir), () =>
        afterBackup
          ? waitFor(() => existsSync(backups) && readdirSync(backups).length > 0).then(() =>
              sleep(random.int(0, 400)),
            )
          : sleep(random.int(200, 3000)),
      )
      const versions = migrationsOf(file)
      const now = dumpTables(file, TABLES)
      if (versions.length === 0) {
        expect(now).toEqual(original)
        seen.add('original')
      } else {
        expect(versions).toEqual(VERSIONS)
        expectSameRows(original, now)
        expect(totalsOf(file)).toEqual(countsOf(file))
        seen.add('adopted')
      }
      if (round === 5) {
        // Whatever the kill left, adopt finishes the job (or finds it done).
        const rerun = await runCli(['adopt', 'ai-artist', '--json'], { env: envOf(dir) })
        expect(rerun.code).toBe(0)
        expect(migrationsOf(file)).toEqual(VERSIONS)
      }
    }
    expect(seen.size).toBeGreaterThan(0)
  }, 240_000)
})

/** The same rows with the same values, in the columns the seed had. */
function expectSameRows(before: Dump, after: Dump): void {
  for (const [table, rows] of Object.entries(before)) {
    expect(after[table]!.size, table).toBe(rows.size)
    for (const [key, row] of rows) {
      const now = after[table]!.get(key)!
      for (const column of Object.keys(row))
        expect(now[column], `${table} ${key}`).toEqual(row[column])
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await sleep(5)
}

/** servedStores runs `genmedia serve` on a free port, reads GET /api/stores, and stops it. */
async function servedStores(env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_')),
  )
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--no-log'], {
    env: { ...base, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        const match = /serving (http:\/\/\S+?)[ ;]/.exec(stderr)
        if (match) resolve(match[1]!)
      })
      child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)))
    })
    const response = await fetch(`${url}/api/stores`)
    return (await response.json()) as Record<string, unknown>[]
  } finally {
    child.kill('SIGTERM')
    await exited
  }
}
