import { join } from 'node:path'
import { openStore } from '../src/core/index.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { importVideoBatch, videoBatchStore } from '../src/stores/video-batch/index.js'
import { writeLegacyLogs } from '../test/stores/video-batch/legacy-logs.js'
import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, formatRatio, progress, repeatMedian, seconds } from './lib/stats.js'

let counter = 0

async function timeImport(
  location: string,
  source: 'uploads' | 'videos',
  path: string,
  lines: number,
): Promise<number> {
  const store = await openStore(videoBatchStore, { location })
  try {
    return lines / (await seconds(() => importVideoBatch(store.db, { [source]: path })))
  } finally {
    await store.close()
  }
}

/** The floor: as many rows inserted by raw better-sqlite3 into a bare table, in one transaction. */
async function rawInsert(ctx: BenchContext, lines: number): Promise<number> {
  const db = openSqliteFile(join(ctx.workDir, `import-raw-${++counter}.db`))
  try {
    db.exec(
      'CREATE TABLE videos (id INTEGER PRIMARY KEY, video_filename TEXT, status TEXT, metadata TEXT, created_at TEXT)',
    )
    const insert = db.prepare(
      'INSERT INTO videos (video_filename, status, metadata, created_at) VALUES (?, ?, ?, ?)',
    )
    const s = await seconds(() =>
      db.transaction(() => {
        for (let i = 0; i < lines; i++) {
          insert.run(
            `video_${i}.mp4`,
            'completed',
            '{"resolution":"1280x720"}',
            '2025-01-01 00:00:00',
          )
        }
      })(),
    )
    return lines / s
  } finally {
    db.close()
  }
}

/**
 * The ceiling of the JSONL import: as many rows inserted by raw better-sqlite3 into the store's
 * own videos table (its indexes, its foreign key to images, the totals trigger), one prepared
 * single-row INSERT in one transaction: what the table costs before any parsing or lookup.
 */
async function rawStoreInsert(ctx: BenchContext, lines: number): Promise<number> {
  const file = join(ctx.workDir, `import-raw-store-${++counter}.db`)
  const store = await openStore(videoBatchStore, { location: file })
  await store.close()
  const db = openSqliteFile(file)
  try {
    const images = 1000
    const image = db.prepare('INSERT INTO images (original_filename) VALUES (?)')
    db.transaction(() => {
      for (let i = 0; i < images; i++) image.run(`image_${i}.png`)
    })()
    const insert = db.prepare(
      `INSERT INTO videos (image_id, video_filename, prompt_used, generation_service,
         generation_time_seconds, file_size_bytes, status, created_at, metadata, source_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const s = await seconds(() =>
      db.transaction(() => {
        for (let i = 0; i < lines; i++) {
          insert.run(
            1 + (i % images),
            `video_${i}.mp4`,
            'a lighthouse at dusk, slow pan',
            'runway',
            41.5,
            1_234_567,
            'completed',
            '2025-01-01 00:00:00',
            '{"resolution":"1280x720"}',
            `log:${i}`,
          )
        }
      })(),
    )
    return lines / s
  } finally {
    db.close()
  }
}

/**
 * Figure 5: the video-batch importer on SQLite, 100,000 JSONL video lines and 100,000 CSV upload
 * rows (a tenth of them retries of earlier rows, merged), each into a fresh store.
 */
export async function importFigure(ctx: BenchContext): Promise<Figure> {
  const n = ctx.sizes.importLines
  const figure = newFigure(
    '5',
    'Import (SQLite)',
    `The video-batch importer (\`genmedia import video-batch\`'s code, \`importVideoBatch\`) ` +
      `reading ${formatNumber(n)} JSONL video-log lines (over 100 prompt files) and ` +
      `${formatNumber(n)} CSV upload rows (a tenth retries of earlier uploads, merged as the seed ` +
      `asks) into a fresh store each: parse, validate, look up, insert in batches. The floor ` +
      `is raw better-sqlite3 inserting as many rows into a bare five-column table (no indexes, ` +
      `no validation) in one prepared loop; beside it, the same loop into the store's own ` +
      `videos table (its nine indexes, its foreign key, the totals trigger), which the JSONL ` +
      `import writes. Median of ` +
      `${ctx.sizes.repeats} runs.`,
  )
  const logs = writeLegacyLogs(join(ctx.workDir, 'legacy'), {
    images: Math.round(n / 1.1),
    prompts: 100,
    videos: n,
  })
  const fresh = () => join(ctx.workDir, `import-${++counter}.db`)
  progress(`import: raw floor, ${formatNumber(n)} rows × ${ctx.sizes.repeats}`)
  const raw = await repeatMedian(ctx.sizes.repeats, () => rawInsert(ctx, n))
  progress(`import: raw into the store's videos table, ${formatNumber(n)} rows`)
  const ceiling = await repeatMedian(ctx.sizes.repeats, () => rawStoreInsert(ctx, n))
  progress(`import: JSONL videos, ${formatNumber(n)} lines × ${ctx.sizes.repeats}`)
  const jsonl = await repeatMedian(ctx.sizes.repeats, () =>
    timeImport(fresh(), 'videos', logs.videos, n),
  )
  progress(`import: CSV uploads, ${formatNumber(n)} rows × ${ctx.sizes.repeats}`)
  const csv = await repeatMedian(ctx.sizes.repeats, () =>
    timeImport(fresh(), 'uploads', logs.uploads, n),
  )
  figure.tables.push({
    head: ['what', 'rows/s', 'vs raw insert'],
    rows: [
      ['raw better-sqlite3 insert (floor)', formatNumber(raw), formatRatio(1)],
      [
        "raw better-sqlite3 insert into the store's videos table",
        formatNumber(ceiling),
        formatRatio(ceiling / raw),
      ],
      ['import JSONL video log', formatNumber(jsonl), formatRatio(jsonl / raw)],
      ['import CSV upload log', formatNumber(csv), formatRatio(csv / raw)],
    ],
  })
  return figure
}
