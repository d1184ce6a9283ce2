import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { openStore, type OpenStore } from '../src/core/index.js'
import { buildApp } from '../src/server/app.js'
import { accessStore } from '../src/stores/access/index.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import { BENCH_DIR, type BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatMs, formatNumber, median, progress } from './lib/stats.js'
import { scaledSqliteFile } from './scale-data.js'

const CHROMIUM = '/usr/bin/chromium'
/** Measured runs after the first (which renders and caches the thumbnails). */
const RUNS = 6
/** Tiles in the gallery's first row at 1366×768. */
const FIRST_ROW = 6

/**
 * Figure 8: the dashboard's gallery, in Chromium, on an ai-artist store of 100,000 images
 * (10,000 with --quick): time from navigation to the first page of tiles, and to the first row's
 * thumbnails drawn. Each run is a fresh browser context (no cache); the thumbnails are made on
 * the first run and cached in the blob store, as they are in use.
 */
export async function galleryFigure(ctx: BenchContext): Promise<Figure> {
  const rows = ctx.quick ? 10_000 : 100_000
  const figure = newFigure(
    '8',
    'Dashboard gallery, first page (SQLite, Chromium)',
    `\`/ai-artist\` of the built dashboard served by \`buildApp\` on an ai-artist store of ` +
      `${formatNumber(rows)} images, opened in Debian's Chromium (headless, 1366×768) through ` +
      `playwright-core, ${RUNS} runs each in a fresh browser context; times from the start of ` +
      `navigation, measured in the page (performance.now()). The first run renders the ` +
      `thumbnails with sharp and caches them; later runs read the cache.`,
  )
  if (!existsSync(CHROMIUM)) {
    figure.notes.push(`Skipped: ${CHROMIUM} is not installed (apt-get install chromium).`)
    return figure
  }
  const repo = join(BENCH_DIR, '..')
  if (!existsSync(join(repo, 'dist', 'web', 'index.html'))) {
    progress('gallery: building the dashboard (npm run build:web)')
    execFileSync('npm', ['run', 'build:web'], { cwd: repo, stdio: 'ignore' })
  }
  const file = await scaledSqliteFile(aiArtistStore, rows)
  const stores: OpenStore[] = [
    await openStore(aiArtistStore, { location: file }),
    await openStore(accessStore, { location: join(ctx.workDir, 'gallery-access.db') }),
  ]
  const app = await buildApp({ stores, host: '127.0.0.1', logger: false })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  try {
    const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/ai-artist`
    const tiles: number[] = []
    const thumbnails: number[] = []
    for (let run = 0; run < RUNS; run++) {
      progress(`gallery: run ${run + 1} of ${RUNS}`)
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } })
      const page = await context.newPage()
      await page.goto(url, { waitUntil: 'commit' })
      // Page-side code as text: this file is compiled for Node, without the DOM's types.
      await page.waitForFunction(`document.querySelectorAll('.tile').length >= ${FIRST_ROW}`)
      tiles.push(await page.evaluate<number>('performance.now()'))
      await page.waitForFunction(
        `[...document.querySelectorAll('.tile img')].slice(0, ${FIRST_ROW})` +
          `.filter((i) => i.complete && i.naturalWidth > 0).length === ${FIRST_ROW}`,
      )
      thumbnails.push(await page.evaluate<number>('performance.now()'))
      await context.close()
    }
    const cached = (values: number[]) => values.slice(1)
    figure.tables.push({
      head: ['what', 'first run ms', `median of runs 2–${RUNS} ms`],
      rows: [
        ['first page of tiles in the DOM', formatMs(tiles[0]!), formatMs(median(cached(tiles)))],
        [
          `first row's ${FIRST_ROW} thumbnails drawn`,
          formatMs(thumbnails[0]!),
          formatMs(median(cached(thumbnails))),
        ],
      ],
    })
    const typical = median(cached(tiles))
    figure.goals.push({
      text: `the gallery's first page renders within a second on ${formatNumber(rows)} images`,
      met: typical < 1000,
      detail: `median ${formatMs(typical)} to the first page of tiles once thumbnails are cached; the first run, which also starts the browser's first context and renders the thumbnails, took ${formatMs(tiles[0]!)}`,
    })
  } finally {
    await browser.close()
    await app.close()
    for (const store of stores) await store.close()
  }
  return figure
}
