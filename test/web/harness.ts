import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  rmdirSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect } from 'vitest'
import { chromium, type Browser, type Page, type Response } from 'playwright-core'
import { openStore, seedStore, type OpenStore } from '../../src/core/index.js'
import { buildApp } from '../../src/server/app.js'
import { LocalBlobStore } from '../../src/storage/index.js'
import { STORES } from '../../src/stores/registry.js'

/** Debian's Chromium: browser tests run where it is installed (CI installs it). */
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const WEB = join(REPO, 'web')
const BUNDLE = join(REPO, 'dist', 'web', 'index.html')
const LOCK = join(REPO, 'dist', '.web-build.lock')
const SCREENSHOTS = join(REPO, 'test-results', 'web')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

const run = promisify(execFile)

const upToDate = () => existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestSource(WEB)

/**
 * ensureWebBuild builds the dashboard into dist/web when it is missing or older than any file
 * under web/. Test files may ask at once: a lock folder lets one build while the others wait.
 */
async function ensureWebBuild(): Promise<void> {
  if (upToDate()) return
  mkdirSync(join(REPO, 'dist'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(LOCK)
      break
    } catch {
      // A lock older than two minutes belongs to a run that died.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmdirSync(LOCK)
      await sleep(200)
    }
  }
  try {
    if (upToDate()) return
    // A child process: vitest sets NODE_ENV=test, which would give React's development build.
    await run(
      process.execPath,
      [
        join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(WEB, 'vite.config.ts'),
        '--logLevel',
        'warn',
      ],
      { cwd: REPO, env: { ...process.env, NODE_ENV: 'production' } },
    )
  } finally {
    rmdirSync(LOCK)
  }
}

export interface Dashboard {
  url: string
  app: FastifyInstance
  stores: OpenStore[]
  store(name: string): OpenStore
  close(): Promise<void>
}

/**
 * startDashboard opens every registered store on SQLite in a temporary folder with sample
 * data and serves the API and the built dashboard on a free loopback port (open: no tokens).
 */
async function startDashboard(): Promise<Dashboard> {
  const dir = mkdtempSync(join(tmpdir(), 'genmedia-web-'))
  const storageBefore = process.env.GENMEDIA_STORAGE_URL
  process.env.GENMEDIA_STORAGE_URL = `file://${join(dir, 'blobs')}`
  const blobs = new LocalBlobStore({ root: join(dir, 'blobs') })
  const stores: OpenStore[] = []
  for (const definition of STORES) {
    const store = await openStore(definition, { location: join(dir, definition.defaultFile) })
    await seedStore(store)
    stores.push(store)
  }
  const app = await buildApp({ stores, host: '127.0.0.1', blobs })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    app,
    stores,
    store: (name) => stores.find((s) => s.definition.name === name)!,
    async close() {
      await app.close()
      for (const store of stores) await store.close()
      await blobs.close()
      if (storageBefore === undefined) delete process.env.GENMEDIA_STORAGE_URL
      else process.env.GENMEDIA_STORAGE_URL = storageBefore
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** launchBrowser starts Debian's Chromium headless, without sandbox, GPU or background traffic. */
function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** newPage opens a laptop-sized page (1366×768) that fails the test on any uncaught page error. */
async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
  page.on('pageerror', (error) => errors.push(error.message))
  return page
}

/** DashboardContext is a served dashboard with one Chromium page open on it, for one test file. */
export interface DashboardContext {
  /** The server and its seeded stores (set once the file's beforeAll has run). */
  readonly dashboard: Dashboard
  /** The page every test of the file drives (set once the file's beforeAll has run). */
  readonly page: Page
  /** open loads a path of the dashboard (`/ai-artist?status=curated`) in the page. */
  open(path: string): Promise<Response | null>
}

/**
 * useDashboard registers the set-up and tear-down of a browser test file for the enclosing
 * describe block: build the dashboard if stale, serve it over seeded stores, launch Chromium and
 * open a page; afterwards close them, and fail the file if the page threw an uncaught error.
 */
export function useDashboard(): DashboardContext {
  let dashboard: Dashboard | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  const errors: string[] = []

  beforeAll(async () => {
    await ensureWebBuild()
    dashboard = await startDashboard()
    browser = await launchBrowser()
    page = await newPage(browser, errors)
  })
  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
    expect(errors).toEqual([])
  })

  return {
    get dashboard() {
      return dashboard!
    },
    get page() {
      return page!
    },
    open: (path) => page!.goto(`${dashboard!.url}${path}`),
  }
}

/** screenshot saves the page under test-results/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}
