import { describe, expect, it } from 'vitest'
import type { AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import { STORES } from '../../src/stores/registry.js'
import { hasChromium, screenshot, useDashboard } from './harness.js'

describe.skipIf(!hasChromium)('dashboard: overview and ai-artist in Chromium', () => {
  const web = useDashboard()
  const { open } = web
  const repo = () => web.dashboard.store('ai-artist').repo as AiArtistRepository
  const focusedTile = () => web.page.locator('.tile-open:focus')

  it('shows every store on the overview with engine, schema version, rows and size', async () => {
    await open('/')
    await web.page.locator('tr[data-store]').first().waitFor()
    for (const definition of STORES) {
      await web.page.locator(`tr[data-store="${definition.name}"]`).waitFor()
    }
    const row = web.page.locator('tr[data-store="ai-artist"]')
    const text = await row.innerText()
    expect(text).toContain('sqlite')
    expect(text).toMatch(/generated_images\s+360/)
    expect(text).toMatch(/v\d+\/\d+/)
    await screenshot(web.page, 'overview')
  })

  it('shows the gallery with status counts and thumbnails', async () => {
    await open('/ai-artist')
    await web.page.locator('.tile-open').first().waitFor()
    await web.page.locator('.tile-img').first().waitFor()
    const counts = await web.page.getByLabel('Images per status').innerText()
    expect(counts).toMatch(/curated\s+\d+/)
    expect(await web.page.locator('.tile').count()).toBeGreaterThan(8)
    // Only the rows on screen exist: far fewer tiles than the 360 images.
    expect(await web.page.locator('.tile').count()).toBeLessThan(120)
    await screenshot(web.page, 'ai-artist-gallery')
  })

  it('keeps filters in the URL: a shared link shows the same images, a change updates the link', async () => {
    await open('/ai-artist?status=curated&min_score=8')
    await web.page.locator('.tile-open').first().waitFor()
    expect(await web.page.getByLabel('Status', { exact: true }).inputValue()).toBe('curated')
    const badges = await web.page.locator('.tile .badge').allInnerTexts()
    expect(new Set(badges)).toEqual(new Set(['curated']))
    const scores = (await web.page.locator('.tile-score').allInnerTexts()).map(Number)
    expect(scores.every((s) => s >= 8)).toBe(true)
    await web.page.getByLabel('Minimum score').fill('9')
    await web.page.waitForURL(/min_score=9/)
    await web.page.locator('.tile-open').first().waitFor()
    const higher = (await web.page.locator('.tile-score').allInnerTexts()).map(Number)
    expect(higher.length).toBeGreaterThan(0)
    expect(higher.every((s) => s >= 9)).toBe(true)
    await screenshot(web.page, 'ai-artist-filtered')
    await web.page.getByLabel('Status', { exact: true }).selectOption('rejected')
    await web.page.waitForURL(/status=rejected/)
    await web.page.getByText('No image matches these filters.').waitFor()
    expect(web.page.url()).toContain('min_score=9')
  })

  it('curates from the grid with the keyboard, and the change survives a reload', async () => {
    const pending = await repo().listImages({ status: 'pending' }, { limit: 1 })
    const target = pending.items[0]!
    await open(`/ai-artist?status=pending`)
    await web.page.locator(`.tile-open[data-id="${target.id}"]`).waitFor()
    await web.page.locator('.tile-open[data-index="0"]').focus()
    await web.page.keyboard.press('ArrowRight')
    expect(await focusedTile().getAttribute('data-index')).toBe('1')
    await web.page.keyboard.press('ArrowLeft')
    expect(await focusedTile().getAttribute('data-id')).toBe(String(target.id))
    await web.page.keyboard.press('c')
    await web.page
      .getByRole('status')
      .filter({ hasText: `Image ${target.id} curated` })
      .waitFor()
    await web.page
      .locator('.tile', { has: web.page.locator(`[data-id="${target.id}"]`) })
      .locator('.badge', { hasText: 'curated' })
      .waitFor()
    expect((await repo().getImage(target.id)).status).toBe('curated')

    await open(`/ai-artist?image=${target.id}`)
    await web.page.getByTestId('detail-status').filter({ hasText: 'curated' }).waitFor()
    await web.page.reload()
    await web.page.getByTestId('detail-status').filter({ hasText: 'curated' }).waitFor()
    await screenshot(web.page, 'ai-artist-curated-after-reload')
  })

  it('moves by rows, opens the detail with Enter, features and rejects there, Escape returns', async () => {
    await open('/ai-artist')
    await web.page.locator('.tile-open[data-index="0"]').focus()
    await web.page.keyboard.press('ArrowDown')
    const index = Number(await focusedTile().getAttribute('data-index'))
    expect(index).toBeGreaterThan(1)
    const id = Number(await focusedTile().getAttribute('data-id'))
    await web.page.keyboard.press('Enter')
    await web.page.waitForURL(new RegExp(`image=${id}`))
    const dialog = web.page.getByRole('dialog')
    await dialog.getByText('Seed').waitFor()
    expect(await dialog.innerText()).toMatch(/Prompt[\s\S]*Model[\s\S]*Scores/)
    await dialog.getByRole('button', { name: 'Feature', exact: true }).click()
    await dialog.getByTestId('detail-status').filter({ hasText: 'featured' }).waitFor()
    await dialog.getByRole('button', { name: 'Reject' }).click()
    await dialog.getByTestId('detail-status').filter({ hasText: 'rejected' }).waitFor()
    await screenshot(web.page, 'ai-artist-detail')
    await web.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    expect(web.page.url()).not.toContain('image=')
    expect(await focusedTile().getAttribute('data-id')).toBe(String(id))
    expect(await repo().getImage(id)).toMatchObject({ status: 'rejected', is_featured: false })
  })

  it('shows training sessions and daily statistics with charts', async () => {
    await open('/ai-artist/insights')
    await web.page
      .getByRole('table', { name: 'Training sessions' })
      .locator('tbody tr')
      .first()
      .waitFor()
    expect(
      await web.page.getByRole('table', { name: 'Training sessions' }).locator('tbody tr').count(),
    ).toBe(4)
    await web.page.locator('.chart canvas').nth(1).waitFor()
    await screenshot(web.page, 'ai-artist-insights')
  })

  it('shows the API’s errors: a missing image, a bad filter naming its field, no server', async () => {
    await open('/ai-artist?image=999999')
    const missing = web.page.getByRole('dialog').getByRole('alert')
    await missing.waitFor()
    expect(await missing.innerText()).toMatch(/404/)

    await open('/ai-artist?min_score=20')
    const bad = web.page.getByRole('alert').filter({ hasText: 'min_score' })
    await bad.waitFor()
    expect(await bad.innerText()).toMatch(/400/)

    await open('/')
    await web.page.locator('tr[data-store]').first().waitFor()
    await web.page.route('**/api/**', (route) => route.abort('connectionrefused'))
    await web.page.getByRole('navigation', { name: 'Stores' }).getByText('ai-artist').click()
    await web.page.getByRole('alert').filter({ hasText: 'cannot be reached' }).first().waitFor()
    await screenshot(web.page, 'error-server-unreachable')
    await web.page.unrouteAll()
  })
})
