import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import { STORES } from '../../src/stores/registry.js'
import {
  ensureWebBuild,
  hasChromium,
  launchBrowser,
  newPage,
  screenshot,
  startDashboard,
  type Dashboard,
} from './harness.js'

describe.skipIf(!hasChromium)('dashboard: overview and ai-artist in Chromium', () => {
  let dashboard: Dashboard
  let browser: Browser
  let page: Page
  let repo: AiArtistRepository
  const errors: string[] = []

  beforeAll(async () => {
    await ensureWebBuild()
    dashboard = await startDashboard()
    repo = dashboard.store('ai-artist').repo as AiArtistRepository
    browser = await launchBrowser()
    page = await newPage(browser, errors)
  })
  afterAll(async () => {
    await browser?.close()
    await dashboard?.close()
    expect(errors).toEqual([])
  })

  const open = (path: string) => page.goto(`${dashboard.url}${path}`)
  const focusedTile = () => page.locator('.tile-open:focus')

  it('shows every store on the overview with engine, schema version, rows and size', async () => {
    await open('/')
    await page.locator('tr[data-store]').first().waitFor()
    for (const definition of STORES) {
      await page.locator(`tr[data-store="${definition.name}"]`).waitFor()
    }
    const row = page.locator('tr[data-store="ai-artist"]')
    const text = await row.innerText()
    expect(text).toContain('sqlite')
    expect(text).toMatch(/generated_images\s+360/)
    expect(text).toMatch(/v\d+\/\d+/)
    await screenshot(page, 'overview')
  })

  it('shows the gallery with status counts and thumbnails', async () => {
    await open('/ai-artist')
    await page.locator('.tile-open').first().waitFor()
    await page.locator('.tile-img').first().waitFor()
    const counts = await page.getByLabel('Images per status').innerText()
    expect(counts).toMatch(/curated\s+\d+/)
    expect(await page.locator('.tile').count()).toBeGreaterThan(8)
    // Only the rows on screen exist: far fewer tiles than the 360 images.
    expect(await page.locator('.tile').count()).toBeLessThan(120)
    await screenshot(page, 'ai-artist-gallery')
  })

  it('keeps filters in the URL: a shared link shows the same images, a change updates the link', async () => {
    await open('/ai-artist?status=curated&min_score=8')
    await page.locator('.tile-open').first().waitFor()
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('curated')
    const badges = await page.locator('.tile .badge').allInnerTexts()
    expect(new Set(badges)).toEqual(new Set(['curated']))
    const scores = (await page.locator('.tile-score').allInnerTexts()).map(Number)
    expect(scores.every((s) => s >= 8)).toBe(true)
    await page.getByLabel('Minimum score').fill('9')
    await page.waitForURL(/min_score=9/)
    await page.locator('.tile-open').first().waitFor()
    const higher = (await page.locator('.tile-score').allInnerTexts()).map(Number)
    expect(higher.length).toBeGreaterThan(0)
    expect(higher.every((s) => s >= 9)).toBe(true)
    await screenshot(page, 'ai-artist-filtered')
    await page.getByLabel('Status', { exact: true }).selectOption('rejected')
    await page.waitForURL(/status=rejected/)
    await page.getByText('No image matches these filters.').waitFor()
    expect(page.url()).toContain('min_score=9')
  })

  it('curates from the grid with the keyboard, and the change survives a reload', async () => {
    const pending = await repo.listImages({ status: 'pending' }, { limit: 1 })
    const target = pending.items[0]!
    await open(`/ai-artist?status=pending`)
    await page.locator(`.tile-open[data-id="${target.id}"]`).waitFor()
    await page.locator('.tile-open[data-index="0"]').focus()
    await page.keyboard.press('ArrowRight')
    expect(await focusedTile().getAttribute('data-index')).toBe('1')
    await page.keyboard.press('ArrowLeft')
    expect(await focusedTile().getAttribute('data-id')).toBe(String(target.id))
    await page.keyboard.press('c')
    await page
      .getByRole('status')
      .filter({ hasText: `Image ${target.id} curated` })
      .waitFor()
    await page
      .locator('.tile', { has: page.locator(`[data-id="${target.id}"]`) })
      .locator('.badge', { hasText: 'curated' })
      .waitFor()
    expect((await repo.getImage(target.id)).status).toBe('curated')

    await open(`/ai-artist?image=${target.id}`)
    await page.getByTestId('detail-status').filter({ hasText: 'curated' }).waitFor()
    await page.reload()
    await page.getByTestId('detail-status').filter({ hasText: 'curated' }).waitFor()
    await screenshot(page, 'ai-artist-curated-after-reload')
  })

  it('moves by rows, opens the detail with Enter, features and rejects there, Escape returns', async () => {
    await open('/ai-artist')
    await page.locator('.tile-open[data-index="0"]').focus()
    await page.keyboard.press('ArrowDown')
    const index = Number(await focusedTile().getAttribute('data-index'))
    expect(index).toBeGreaterThan(1)
    const id = Number(await focusedTile().getAttribute('data-id'))
    await page.keyboard.press('Enter')
    await page.waitForURL(new RegExp(`image=${id}`))
    const dialog = page.getByRole('dialog')
    await dialog.getByText('Seed').waitFor()
    expect(await dialog.innerText()).toMatch(/Prompt[\s\S]*Model[\s\S]*Scores/)
    await dialog.getByRole('button', { name: 'Feature', exact: true }).click()
    await dialog.getByTestId('detail-status').filter({ hasText: 'featured' }).waitFor()
    await dialog.getByRole('button', { name: 'Reject' }).click()
    await dialog.getByTestId('detail-status').filter({ hasText: 'rejected' }).waitFor()
    await screenshot(page, 'ai-artist-detail')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    expect(page.url()).not.toContain('image=')
    expect(await focusedTile().getAttribute('data-id')).toBe(String(id))
    expect(await repo.getImage(id)).toMatchObject({ status: 'rejected', is_featured: false })
  })

  it('shows training sessions and daily statistics with charts', async () => {
    await open('/ai-artist/insights')
    await page
      .getByRole('table', { name: 'Training sessions' })
      .locator('tbody tr')
      .first()
      .waitFor()
    expect(
      await page.getByRole('table', { name: 'Training sessions' }).locator('tbody tr').count(),
    ).toBe(4)
    await page.locator('.chart canvas').nth(1).waitFor()
    await screenshot(page, 'ai-artist-insights')
  })

  it('shows the API’s errors: a missing image, a bad filter naming its field, no server', async () => {
    await open('/ai-artist?image=999999')
    const missing = page.getByRole('dialog').getByRole('alert')
    await missing.waitFor()
    expect(await missing.innerText()).toMatch(/404/)

    await open('/ai-artist?min_score=20')
    const bad = page.getByRole('alert').filter({ hasText: 'min_score' })
    await bad.waitFor()
    expect(await bad.innerText()).toMatch(/400/)

    await open('/')
    await page.locator('tr[data-store]').first().waitFor()
    await page.route('**/api/**', (route) => route.abort('connectionrefused'))
    await page.getByRole('navigation', { name: 'Stores' }).getByText('ai-artist').click()
    await page.getByRole('alert').filter({ hasText: 'cannot be reached' }).first().waitFor()
    await screenshot(page, 'error-server-unreachable')
    await page.unrouteAll()
  })
})
