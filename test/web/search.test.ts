import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import type { ImageGenRepository } from '../../src/stores/image-gen/index.js'
import type { ImageLibraryRepository } from '../../src/stores/image-library/index.js'
import type { VideoBatchRepository } from '../../src/stores/video-batch/index.js'
import { hasChromium, screenshot, useDashboard } from './harness.js'

/** The ids the page shows, by the attribute its rows carry, sorted (search ranks, not sorts). */
const shown = (page: Page, attribute: string) =>
  page
    .locator(`[${attribute}]`)
    .evaluateAll((els, a) => els.map((e) => Number(e.getAttribute(a))), attribute)
    .then((ids) => ids.sort((a, b) => a - b))

const ids = (items: { id: number }[]) => items.map((i) => i.id).sort((a, b) => a - b)

/** The first word of `text` of at least five letters: a word the search surely indexes. */
const wordOf = (text: string) => /[a-z]{5,}/i.exec(text)![0].toLowerCase()

// The search box with facet chips on the gallery, image-gen, video-batch and studio pages:
// typing sets q and the list shows only matches; a chip filters by its value, and again unfilters.
describe.skipIf(!hasChromium)('dashboard: search box and facet chips in Chromium', () => {
  const web = useDashboard()
  const { open } = web
  const repo = <R>(store: string) => web.dashboard.store(store).repo as R

  it('ai-artist gallery: searches prompts, then filters by a status chip and back', async () => {
    const gallery = repo<AiArtistRepository>('ai-artist')
    const q = 'sunset'
    const found = await gallery.listImages({}, { limit: 120 }, { q, facets: ['status'] })
    expect(found.items.length).toBeGreaterThan(0)
    await open('/ai-artist')
    await web.page.locator('[data-id]').first().waitFor()
    await web.page.getByLabel('Search images').fill(q)
    await expect.poll(() => shown(web.page, 'data-id')).toEqual(ids(found.items))
    expect(web.page.url()).toContain(`q=${q}`)

    const status = found.facets!.status!.values[0]!
    const chips = web.page.getByRole('group', { name: 'Status facet' })
    const chip = chips.getByRole('button', {
      name: new RegExp(`^${status.value} ${status.count}$`),
    })
    await chip.click()
    await web.page.waitForURL(new RegExp(`status=${status.value}`))
    const filtered = await gallery.listImages(
      { status: status.value as never },
      { limit: 120 },
      { q },
    )
    await expect.poll(() => shown(web.page, 'data-id')).toEqual(ids(filtered.items))
    expect(filtered.items).toHaveLength(status.count)
    expect(await chip.getAttribute('aria-pressed')).toBe('true')
    await screenshot(web.page, 'ai-artist-search')
    await chip.click()
    await expect.poll(() => web.page.url()).not.toContain('status=')
    await expect.poll(() => shown(web.page, 'data-id')).toEqual(ids(found.items))
  })

  it('video-batch: finds uploads by file name and counts their statuses', async () => {
    const batch = repo<VideoBatchRepository>('video-batch')
    const a = await batch.registerUpload({ original_filename: 'zebra_crossing_a.png' })
    const b = await batch.registerUpload({ original_filename: 'zebra_crossing_b.png' })
    await open('/video-batch')
    await web.page.locator('[data-upload]').first().waitFor()
    await web.page.getByLabel('Search uploads').fill('zebra crossing')
    await web.page.getByLabel('Search uploads').press('Enter')
    await expect.poll(() => shown(web.page, 'data-upload')).toEqual(ids([a, b]))
    const chip = web.page
      .getByRole('group', { name: 'status facet' })
      .getByRole('button', { name: 'pending 2' })
    await chip.click()
    await web.page.waitForURL(/status=pending/)
    expect(await web.page.getByLabel('Upload status').inputValue()).toBe('pending')
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true')
    await chip.click()
    await expect.poll(() => web.page.url()).not.toContain('status=')
  })

  it('image-gen: searches one user’s jobs', async () => {
    const imageGen = repo<ImageGenRepository>('image-gen')
    const jobs = await imageGen.listJobs(1, {}, { limit: 100 })
    const q = wordOf(jobs.items[0]!.prompt)
    const found = await imageGen.listJobs(1, {}, { limit: 100 }, { q })
    await open('/image-gen?user=1')
    await web.page.locator('[data-job]').first().waitFor()
    await web.page.getByLabel('Search jobs').fill(q)
    await expect.poll(() => shown(web.page, 'data-job')).toEqual(ids(found.items))
    await web.page.getByRole('group', { name: 'status facet' }).waitFor()
  })

  it('studio: searches the library and filters it by a character chip', async () => {
    const library = repo<ImageLibraryRepository>('image-library')
    const all = await library.findImages({}, { limit: 100 }, { facets: ['emotion'] })
    const q = all.facets!.emotion!.values.at(-1)!.value!
    const found = await library.findImages({}, { limit: 100 }, { q, facets: ['character'] })
    expect(found.items.length).toBeGreaterThan(0)
    expect(found.items.length).toBeLessThan(all.items.length)
    await open('/studio')
    const rows = web.page.getByRole('table', { name: 'Library images' }).locator('tbody tr')
    await rows.first().waitFor()
    await web.page.getByLabel('Search the library').fill(q)
    await expect.poll(() => rows.count()).toBe(found.items.length)
    const character = found.facets!.character!.values[0]!
    await web.page
      .getByRole('group', { name: 'Character facet' })
      .getByRole('button', { name: `${character.value} ${character.count}` })
      .click()
    await web.page.waitForURL(new RegExp(`character=${character.value}`))
    await expect.poll(() => rows.count()).toBe(character.count)
    expect(web.page.url()).toContain(`q=${q}`)
  })
})
