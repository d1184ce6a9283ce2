import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ImageGenRepository } from '../../src/stores/image-gen/index.js'
import {
  ensureWebBuild,
  hasChromium,
  launchBrowser,
  newPage,
  screenshot,
  startDashboard,
  type Dashboard,
} from './harness.js'

describe.skipIf(!hasChromium)(
  'dashboard: image-gen, video-batch, Studio, archive in Chromium',
  () => {
    let dashboard: Dashboard
    let browser: Browser
    let page: Page
    let imageGen: ImageGenRepository
    const errors: string[] = []

    beforeAll(async () => {
      await ensureWebBuild()
      dashboard = await startDashboard()
      imageGen = dashboard.store('image-gen').repo as ImageGenRepository
      browser = await launchBrowser()
      page = await newPage(browser, errors)
    })
    afterAll(async () => {
      await browser?.close()
      await dashboard?.close()
      expect(errors).toEqual([])
    })

    const open = (path: string) => page.goto(`${dashboard.url}${path}`)

    it('image-gen: opens a session from the panel and shows its images in generation order', async () => {
      const sessions = await imageGen.listSessions(1)
      const session = sessions.items.find((s) => s.generated_count > 0)!
      const stored = await imageGen.listSessionImages(1, session.id)
      await open('/image-gen?user=1')
      const panel = page.getByRole('list', { name: 'Sessions' })
      await panel.getByText(session.title).waitFor()
      const loaded = page.waitForResponse((r) => r.url().includes('/blobs/') && r.status() === 200)
      await panel.getByText(session.title).click()
      await page.waitForURL(new RegExp(`session=${session.id}`))
      const figures = page.getByLabel('Session images').locator('figure')
      await figures.first().waitFor()
      expect(await figures.count()).toBe(stored.length)
      const order = await figures.evaluateAll((els) => els.map((e) => e.getAttribute('data-image')))
      expect(order).toEqual(stored.map((i) => String(i.id)))
      await loaded
      await screenshot(page, 'image-gen-session')
    })

    it('image-gen: shows a job’s parameters and reference images', async () => {
      const jobs = await imageGen.listJobs(1)
      const withRefs = await Promise.all(
        jobs.items.map((j) => imageGen.getJobWithReferenceImages(1, j.id)),
      )
      const job = withRefs.find((j) => j.reference_image_urls.length > 0) ?? withRefs[0]!
      await open(`/image-gen?user=1&job=${job.id}`)
      await page.getByTestId('job-status').waitFor()
      const text = await page.locator('.facts').innerText()
      expect(text).toContain(job.prompt)
      expect(text).toMatch(/Shot type[\s\S]*Camera angle[\s\S]*Aspect ratio/)
      expect(text).toContain(job.aspect_ratio)
      expect(await page.locator('.facts figure').count()).toBe(job.reference_image_urls.length)
      await screenshot(page, 'image-gen-job')
    })

    it('image-gen: creates a generation job from the form and finds it pending', async () => {
      await open('/image-gen?user=1')
      await page.getByRole('button', { name: 'New generation' }).click()
      const form = page.getByRole('form', { name: 'New generation' })
      await form.getByLabel('Prompt').fill('a lighthouse in a winter storm')
      await form.getByLabel('New session title').fill('Browser test')
      await form.getByLabel('Shot type').selectOption({ index: 1 })
      await form.getByLabel('Aspect ratio').selectOption('16:9')
      await form.getByLabel('Number of shots').fill('3')
      await form.getByLabel('Weather').fill('snow')
      await screenshot(page, 'image-gen-form')
      await form.getByRole('button', { name: 'Create job' }).click()
      await page.waitForURL(/job=\d+/)
      await page.getByTestId('job-status').filter({ hasText: 'pending' }).waitFor()
      const id = Number(new URL(page.url()).searchParams.get('job'))
      const job = await imageGen.getJob(1, id)
      expect(job).toMatchObject({
        status: 'pending',
        prompt: 'a lighthouse in a winter storm',
        aspect_ratio: '16:9',
        number_of_shots: 3,
        weather: 'snow',
      })
      expect(job.shot_type).not.toBeNull()
      await page.getByRole('list', { name: 'Sessions' }).getByText('Browser test').waitFor()
      await screenshot(page, 'image-gen-created-job')
    })

    it('video-batch: shows the pipeline, failures, and follows a lineage link', async () => {
      await open('/video-batch?image=1')
      const descendants = page.getByLabel('Descendants')
      const child = descendants.getByRole('link').first()
      await child.waitFor()
      const label = await child.innerText()
      const childId = /#(\d+)/.exec(label)![1]
      await child.click()
      await page.waitForURL(new RegExp(`image=${childId}$`))
      await page.getByRole('heading', { name: new RegExp(`Image #${childId}`) }).waitFor()
      await page.getByLabel('Ancestors').getByRole('link', { name: /#1 / }).waitFor()
      const failures = page.getByRole('table', { name: 'Failures' })
      await failures.locator('.error-text').first().waitFor()
      expect((await failures.locator('.error-text').allInnerTexts()).every(Boolean)).toBe(true)
      expect(await page.getByLabel('Videos per status').innerText()).toMatch(/completed\s+\d+/)
      await screenshot(page, 'video-batch-lineage')
    })

    it('video-batch: plays a completed video, or says its file is missing', async () => {
      await open('/video-batch?image=1')
      const play = page.getByRole('button', { name: /^Play / }).first()
      await play.click()
      await page
        .locator('video')
        .or(page.getByText('The video file is not in the blob store'))
        .first()
        .waitFor()
    })

    it('Studio: topics by relevance, metrics charts, the library by character and collections', async () => {
      await open('/studio')
      const topics = page.getByRole('table', { name: 'Unused topics' }).locator('tbody tr')
      await topics.first().waitFor()
      const scores = (await topics.locator('td.num').allInnerTexts()).map(Number)
      expect(scores).toEqual([...scores].sort((a, b) => b - a))
      await page.locator('.chart canvas').nth(2).waitFor()
      await page.getByRole('list', { name: 'Collection images' }).locator('li').first().waitFor()
      await page.getByLabel('Character', { exact: true }).selectOption({ index: 1 })
      await page.waitForURL(/character=/)
      const character = new URL(page.url()).searchParams.get('character')!
      const rows = page.getByRole('table', { name: 'Library images' }).locator('tbody tr')
      await rows.first().waitFor()
      const shown = await rows.locator('td:first-child').allInnerTexts()
      expect(new Set(shown)).toEqual(new Set([character]))
      await screenshot(page, 'studio')
    })

    it('archive: active sessions with progress bars, a session’s log, presets, settings, statistics', async () => {
      await open('/archive')
      const active = page.getByRole('table', { name: 'Active sessions' })
      await active.locator('tbody tr').first().waitFor()
      expect(await active.getByRole('progressbar').count()).toBeGreaterThan(0)
      await page.getByRole('table', { name: 'Operation log' }).locator('tbody tr').first().waitFor()
      expect(await active.locator('tbody tr').count()).toBeGreaterThan(1)
      await active.locator('tbody tr').nth(1).getByRole('link').click()
      await page.waitForURL(/session=/)
      const id = new URL(page.url()).searchParams.get('session')!
      await page.getByRole('heading', { name: `Operation log of ${id}` }).waitFor()
      await page.getByRole('table', { name: 'Presets' }).locator('tbody tr').first().waitFor()
      await page.getByRole('table', { name: 'Settings' }).locator('tbody tr').first().waitFor()
      expect(await page.getByLabel('30-day statistics').innerText()).toMatch(/Projects\s+\d+/)
      await screenshot(page, 'archive')
    })
  },
)
