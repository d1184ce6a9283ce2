import { describe, expect, it } from 'vitest'
import { JobQueue } from '../../src/core/index.js'
import { imageGenStore, type ImageGenRepository } from '../../src/stores/image-gen/index.js'
import { hasChromium, screenshot, useDashboard } from './harness.js'

describe.skipIf(!hasChromium)(
  'dashboard: image-gen, video-batch, Studio, archive in Chromium',
  () => {
    const web = useDashboard()
    const { open } = web
    const imageGen = () => web.dashboard.store('image-gen').repo as ImageGenRepository

    it('image-gen: without a user, offers the users to act as instead of 403s', async () => {
      await open('/image-gen')
      await web.page.evaluate('localStorage.removeItem("genmedia.user")')
      await web.page.reload()
      await web.page.getByTestId('pick-user').waitFor()
      expect(await web.page.getByRole('alert').count()).toBe(0)
      const users = await imageGen().listUsers({ limit: 500 })
      const picker = web.page.getByLabel('User', { exact: true })
      expect(await picker.locator('option:not([disabled])').allInnerTexts()).toHaveLength(
        users.items.length,
      )
      const user = users.items.find((u) => u.id === 1)!
      await picker.selectOption(String(user.id))
      await web.page.waitForURL(/user=1/)
      await web.page.getByRole('list', { name: 'Sessions' }).locator('li').first().waitFor()
      expect(await web.page.getByRole('alert').count()).toBe(0)
      await screenshot(web.page, 'image-gen-pick-user')
    })

    it('image-gen: opens a session from the panel and shows its images in generation order', async () => {
      const sessions = await imageGen().listSessions(1)
      const session = sessions.items.find((s) => s.generated_count > 0)!
      const stored = await imageGen().listSessionImages(1, session.id)
      await open('/image-gen?user=1')
      const panel = web.page.getByRole('list', { name: 'Sessions' })
      await panel.getByText(session.title).waitFor()
      const loaded = web.page.waitForResponse(
        (r) => r.url().includes('/blobs/') && r.status() === 200,
      )
      await panel.getByText(session.title).click()
      await web.page.waitForURL(new RegExp(`session=${session.id}`))
      const figures = web.page.getByLabel('Session images').locator('figure')
      await figures.first().waitFor()
      expect(await figures.count()).toBe(stored.length)
      const order = await figures.evaluateAll((els) => els.map((e) => e.getAttribute('data-image')))
      expect(order).toEqual(stored.map((i) => String(i.id)))
      await loaded
      await screenshot(web.page, 'image-gen-session')
    })

    it('image-gen: shows a job’s parameters and reference images', async () => {
      const jobs = await imageGen().listJobs(1)
      const withRefs = await Promise.all(
        jobs.items.map((j) => imageGen().getJobWithReferenceImages(1, j.id)),
      )
      const job = withRefs.find((j) => j.reference_image_urls.length > 0) ?? withRefs[0]!
      await open(`/image-gen?user=1&job=${job.id}`)
      await web.page.getByTestId('job-status').waitFor()
      const text = await web.page.locator('.facts').innerText()
      expect(text).toContain(job.prompt)
      expect(text).toMatch(/Shot type[\s\S]*Camera angle[\s\S]*Aspect ratio/)
      expect(text).toContain(job.aspect_ratio)
      expect(await web.page.locator('.facts figure').count()).toBe(job.reference_image_urls.length)
      await screenshot(web.page, 'image-gen-job')
    })

    it('image-gen: creates a generation job from the form and finds it pending', async () => {
      await open('/image-gen?user=1')
      await web.page.getByRole('button', { name: 'New generation' }).click()
      const form = web.page.getByRole('form', { name: 'New generation' })
      await form.getByLabel('Prompt').fill('a lighthouse in a winter storm')
      await form.getByLabel('New session title').fill('Browser test')
      // Open value lists: a suggestion or any other value.
      await form.getByLabel('Shot type').fill('close_up')
      await form.getByLabel('Style').fill('cyberpunk')
      await form.getByLabel('Aspect ratio').fill('16:9')
      await form.getByLabel('Number of shots').fill('3')
      await form.getByLabel('Weather').fill('snow')
      await screenshot(web.page, 'image-gen-form')
      await form.getByRole('button', { name: 'Create job' }).click()
      await web.page.waitForURL(/job=\d+/)
      await web.page.getByTestId('job-status').filter({ hasText: 'pending' }).waitFor()
      const id = Number(new URL(web.page.url()).searchParams.get('job'))
      const job = await imageGen().getJob(1, id)
      expect(job).toMatchObject({
        status: 'pending',
        prompt: 'a lighthouse in a winter storm',
        aspect_ratio: '16:9',
        number_of_shots: 3,
        weather: 'snow',
        shot_type: 'close_up',
        style: 'cyberpunk',
      })
      await web.page.getByRole('list', { name: 'Sessions' }).getByText('Browser test').waitFor()
      await screenshot(web.page, 'image-gen-created-job')
    })

    it('image-gen: the job queue shows counts and progress live, and cancels a running job', async () => {
      const store = web.dashboard.store('image-gen')
      const queue = new JobQueue(store.db, imageGenStore.jobs!.table)
      for (let i = 0; i < 3; i++) {
        await imageGen().createGenerationJob(1, {
          prompt: `queued ${i}`,
          number_of_shots: 4,
          session_title: 'Queue test',
        })
      }
      // A worker in all but name: claims the oldest waiting job and reports 1 of its shots done.
      const lease = (await queue.claim({ worker: 'browser-test', leaseSeconds: 60 }))!
      const total = Number(lease.row.number_of_shots)
      await queue.heartbeat(lease, 60, 1)
      await open('/image-gen?user=1')
      const counts = web.page.getByLabel('Jobs per state')
      const countOf = async (state: string) =>
        Number((await counts.locator(`.count-${state} dd`).innerText()).replace(/\D/g, ''))
      const before = await queue.counts()
      await counts.waitFor()
      expect(await countOf('queued')).toBe(before.queued)
      expect(await countOf('running')).toBe(before.running)
      const row = web.page
        .getByRole('table', { name: 'Running jobs' })
        .locator(`[data-queue-job="${lease.id}"]`)
      await row
        .getByRole('progressbar')
        .filter({ hasText: `1 / ${total}` })
        .waitFor()
      // Progress arrives without a reload: the page polls the queue.
      await queue.heartbeat(lease, 60, 3)
      await row
        .getByRole('progressbar')
        .filter({ hasText: `3 / ${total}` })
        .waitFor()
      await row.scrollIntoViewIfNeeded()
      await screenshot(web.page, 'image-gen-queue')
      await row.getByRole('button', { name: `Cancel job ${lease.id}` }).click()
      await row.getByText('cancelling').waitFor()
      // The worker learns of the cancellation at its next heartbeat and ends the job.
      expect(await queue.heartbeat(lease, 60, 3)).toEqual({ lost: false, cancelled: true })
      await queue.cancelled(lease)
      const failed = web.page
        .getByRole('table', { name: 'Failed jobs' })
        .locator(`[data-queue-job="${lease.id}"]`)
      await failed.getByText('cancelled', { exact: true }).first().waitFor()
      await row.waitFor({ state: 'detached' })
      const after = await queue.counts()
      expect(after.cancelled).toBe(before.cancelled + 1)
      await expect.poll(() => countOf('cancelled'), { timeout: 5000 }).toBe(after.cancelled)
      expect((await queue.jobState(lease.id))?.state).toBe('cancelled')
    })

    it('video-batch: shows the pipeline, failures, and follows a lineage link', async () => {
      await open('/video-batch?image=1')
      const descendants = web.page.getByLabel('Descendants')
      const child = descendants.getByRole('link').first()
      await child.waitFor()
      const label = await child.innerText()
      const childId = /#(\d+)/.exec(label)![1]
      await child.click()
      await web.page.waitForURL(new RegExp(`image=${childId}$`))
      await web.page.getByRole('heading', { name: new RegExp(`Image #${childId}`) }).waitFor()
      await web.page.getByLabel('Ancestors').getByRole('link', { name: /#1 / }).waitFor()
      const failures = web.page.getByRole('table', { name: 'Failures' })
      await failures.locator('.error-text').first().waitFor()
      expect((await failures.locator('.error-text').allInnerTexts()).every(Boolean)).toBe(true)
      expect(await web.page.getByLabel('Videos per status').innerText()).toMatch(/completed\s+\d+/)
      await screenshot(web.page, 'video-batch-lineage')
    })

    it('video-batch: plays a completed video, or says its file is missing', async () => {
      await open('/video-batch?image=1')
      const play = web.page.getByRole('button', { name: /^Play / }).first()
      await play.click()
      await web.page
        .locator('video')
        .or(web.page.getByText('The video file is not in the blob store'))
        .first()
        .waitFor()
    })

    it('Studio: topics by relevance, metrics charts, the library by character and collections', async () => {
      await open('/studio')
      const topics = web.page.getByRole('table', { name: 'Unused topics' }).locator('tbody tr')
      await topics.first().waitFor()
      const scores = (await topics.locator('td.num').allInnerTexts()).map(Number)
      expect(scores).toEqual([...scores].sort((a, b) => b - a))
      await web.page.locator('.chart canvas').nth(2).waitFor()
      await web.page
        .getByRole('list', { name: 'Collection images' })
        .locator('li')
        .first()
        .waitFor()
      await web.page.getByLabel('Character', { exact: true }).selectOption({ index: 1 })
      await web.page.waitForURL(/character=/)
      const character = new URL(web.page.url()).searchParams.get('character')!
      const rows = web.page.getByRole('table', { name: 'Library images' }).locator('tbody tr')
      await rows.first().waitFor()
      const shown = await rows.locator('td:first-child').allInnerTexts()
      expect(new Set(shown)).toEqual(new Set([character]))
      await screenshot(web.page, 'studio')
    })

    it('archive: active sessions with progress bars, a session’s log, presets, settings, statistics', async () => {
      await open('/archive')
      const active = web.page.getByRole('table', { name: 'Active sessions' })
      await active.locator('tbody tr').first().waitFor()
      expect(await active.getByRole('progressbar').count()).toBeGreaterThan(0)
      await web.page
        .getByRole('table', { name: 'Operation log' })
        .locator('tbody tr')
        .first()
        .waitFor()
      expect(await active.locator('tbody tr').count()).toBeGreaterThan(1)
      await active.locator('tbody tr').nth(1).getByRole('link').click()
      await web.page.waitForURL(/session=/)
      const id = new URL(web.page.url()).searchParams.get('session')!
      await web.page.getByRole('heading', { name: `Operation log of ${id}` }).waitFor()
      await web.page.getByRole('table', { name: 'Presets' }).locator('tbody tr').first().waitFor()
      await web.page.getByRole('table', { name: 'Settings' }).locator('tbody tr').first().waitFor()
      expect(await web.page.getByLabel('30-day statistics').innerText()).toMatch(/Projects\s+\d+/)
      await screenshot(web.page, 'archive')
    })
  },
)
