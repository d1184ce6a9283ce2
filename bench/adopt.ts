import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import BetterSqlite3 from 'better-sqlite3'
import { adoptStore, openBackupTarget } from '../src/core/index.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import { CACHE_DIR, type BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, progress, seconds } from './lib/stats.js'

const SCRIPT = fileURLToPath(
  new URL('../test/fixtures/seed-databases/make_databases.py', import.meta.url),
)

/**
 * seedFile is seed 004's own database (SQLAlchemy + Alembic revision 001) with `rows` generated
 * images, made by the fixture script once and kept under bench/.cache.
 */
function seedFile(rows: number): string {
  const file = join(CACHE_DIR, `adopt-ai-artist-${rows}.db`)
  if (existsSync(file)) return file
  mkdirSync(CACHE_DIR, { recursive: true })
  const out = join(CACHE_DIR, `adopt-ai-artist-${rows}.tmp`)
  rmSync(out, { recursive: true, force: true })
  progress(`adopt: making seed 004's database with ${formatNumber(rows)} images (once, cached)`)
  execFileSync('python3', [SCRIPT, out, '--rows', String(rows), '--only', 'ai-artist'])
  renameSync(join(out, 'data', 'ai_artist.db'), file)
  rmSync(out, { recursive: true, force: true })
  return file
}

function copyOf(source: string, ctx: BenchContext, name: string): string {
  const file = join(ctx.workDir, name)
  copyFileSync(source, file)
  return file
}

/** The floor: raw better-sqlite3 copying the same tables into plain tables, one transaction. */
function rawCopy(file: string): number {
  const db = new BetterSqlite3(file)
  try {
    const tables = ['generated_images', 'training_sessions', 'creation_sessions']
    let rows = 0
    db.transaction(() => {
      for (const t of tables) {
        db.exec(`CREATE TABLE copy_${t} AS SELECT * FROM ${t}`)
        rows += (db.prepare(`SELECT COUNT(*) AS n FROM copy_${t}`).get() as { n: number }).n
      }
    })()
    return rows
  } finally {
    db.close()
  }
}

/**
 * Figure 9: `genmedia adopt` of seed 004's own database at 1,000,000 generated images (quick:
 * the scale size): backup, one-transaction rebuild with every constraint, every row compared
 * with its original, foreign key and integrity checks, migration 2. Beside it, the floor: raw
 * better-sqlite3 copying the same rows into unconstrained tables.
 */
export async function adoptFigure(ctx: BenchContext): Promise<Figure> {
  const rows = ctx.sizes.scaleRows
  const figure = newFigure(
    '9',
    'Adopting a seed database (SQLite)',
    `\`genmedia adopt ai-artist\` (\`adoptStore\`) on seed 004's own database as its SQLAlchemy ` +
      `and Alembic scripts make it (revision 001, ${formatNumber(rows)} generated images, made ` +
      `by the test fixture script and cached): the verified backup, the rebuild in one ` +
      `transaction (tables moved aside, genmedia's tables with their CHECKs, rows copied with ` +
      `their ids, indexes and triggers made again, migration 2), every row compared with the ` +
      `row it was copied from (each value and its type), foreign_key_check and quick_check. ` +
      `The floor is raw better-sqlite3 copying the same tables into unconstrained tables ` +
      `(CREATE TABLE … AS SELECT) in one transaction. One run each, on a fresh copy of the file.`,
  )
  const source = seedFile(rows)
  progress(`adopt: raw copy floor, ${formatNumber(rows)} images`)
  const rawFile = copyOf(source, ctx, 'adopt-raw.db')
  let copied = 0
  const rawSeconds = await seconds(() => {
    copied = rawCopy(rawFile)
  })
  progress(`adopt: genmedia adopt, ${formatNumber(rows)} images`)
  const file = copyOf(source, ctx, 'adopt.db')
  let adopted = 0
  const adoptSeconds = await seconds(async () => {
    const result = await adoptStore(aiArtistStore, {
      location: file,
      backupTarget: openBackupTarget(join(ctx.workDir, 'adopt-backups')),
    })
    if (result.status !== 'adopted') throw new Error(`adopt: ${result.problems.join('; ')}`)
    adopted = Object.values(result.after).reduce((a, b) => a + b, 0)
  })
  figure.tables.push({
    head: ['', 'rows', 'seconds', 'rows/s'],
    rows: [
      [
        'genmedia adopt (backup, rebuild, verify)',
        formatNumber(adopted),
        adoptSeconds.toFixed(1),
        formatNumber(adopted / adoptSeconds),
      ],
      [
        'raw better-sqlite3 copy (floor)',
        formatNumber(copied),
        rawSeconds.toFixed(1),
        formatNumber(copied / rawSeconds),
      ],
    ],
  })
  figure.goals.push({
    text: 'adopting 1,000,000 rows takes well under a minute',
    met: ctx.quick ? null : adoptSeconds < 60,
    detail: `${adoptSeconds.toFixed(1)} s for ${formatNumber(adopted)} rows`,
  })
  return figure
}
