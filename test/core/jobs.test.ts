import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import {
  backoffSeconds,
  JobQueue,
  openStore,
  runWorker,
  type JobHandler,
  type OpenStore,
  type WorkerEvent,
} from '../../src/core/index.js'
import { imageGenStore, type ImageGenRepository } from '../../src/stores/image-gen/index.js'
import { videoBatchStore } from '../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../engines.js'

const NO_WAIT = { baseSeconds: 0, maxSeconds: 0 }

describe('backoffSeconds', () => {
  it('doubles per attempt up to the cap, with up to half of it as jitter', () => {
    const b = { baseSeconds: 2, maxSeconds: 10 }
    expect(backoffSeconds(1, b, () => 0)).toBe(1)
    expect(backoffSeconds(1, b, () => 1)).toBe(2)
    expect(backoffSeconds(3, b, () => 1)).toBe(8)
    expect(backoffSeconds(9, b, () => 1)).toBe(10)
    expect(backoffSeconds(9, b, () => 0)).toBe(5)
  })
})

describe.each(ENGINES)('job runtime on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ImageGenRepository>
  let queue: JobQueue
  let userId: number
  let jpeg: Buffer

  beforeAll(async () => {
    store = await openStore(imageGenStore, { location: ctx.freshLocation('jobs') })
    queue = new JobQueue(store.db, imageGenStore.jobs!.table)
    userId = (await store.repo.createUser({ email: 'worker@example.com' })).id
    jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#08f' } })
      .jpeg()
      .toBuffer()
  })
  afterAll(() => store?.close())

  const newJob = async (shots = 1) =>
    (
      await store.repo.createGenerationJob(userId, {
        prompt: 'a lighthouse',
        number_of_shots: shots,
        session_title: 'jobs',
      })
    ).id

  const drain = (handler: JobHandler, events: WorkerEvent[] = [], maxAttempts = 3) =>
    runWorker({
      store,
      pipeline: imageGenStore.jobs!,
      handler,
      drain: true,
      leaseSeconds: 1,
      maxAttempts,
      backoff: NO_WAIT,
      pollMs: 20,
      onEvent: (e) => events.push(e),
    })

  const images = (job: Record<string, unknown>) => ({
    images: Array.from({ length: Number(job.number_of_shots) }, () => ({ data: jpeg })),
  })

  it('a handler that fails twice then succeeds ends completed after 3 attempts', async () => {
    const id = await newJob(2)
    let calls = 0
    const summary = await drain(async (job) => {
      if (++calls <= 2) throw new Error(`provider busy (${calls})`)
      return images(job)
    })
    expect(summary).toMatchObject({ completed: 1, retried: 2, failed: 0 })
    const job = await store.repo.getJob(userId, id)
    expect(job).toMatchObject({ status: 'completed', attempts: 3, lease_owner: null })
    expect(await store.repo.listSessionImages(userId, job.session_id!)).toHaveLength(2)
    const attempts = (await queue.attemptsOf([id])).get(id)!
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, 'retry', 'provider busy (1)'],
      [2, 'retry', 'provider busy (2)'],
      [3, 'completed', null],
    ])
  })

  it('one that always fails ends failed with every attempt’s error; retry queues it again', async () => {
    const id = await newJob()
    let calls = 0
    await drain(async () => {
      throw new Error(`no quota, try ${++calls}`)
    })
    const job = await store.repo.getJob(userId, id)
    expect(job).toMatchObject({ status: 'failed', attempts: 3, error_message: 'no quota, try 3' })
    const [dead] = await queue.failedJobs(1)
    expect(dead!.id).toBe(id)
    expect(dead!.job_attempts.map((a) => a.error)).toEqual([
      'no quota, try 1',
      'no quota, try 2',
      'no quota, try 3',
    ])
    expect((await queue.counts()).failed).toBe(1)

    expect(await queue.retry(id)).toBe(1)
    expect(await queue.counts()).toMatchObject({ failed: 0, queued: 1 })
    await drain(async (j) => images(j))
    expect(await store.repo.getJob(userId, id)).toMatchObject({ status: 'completed', attempts: 1 })
    // The earlier attempts stay beside the new one.
    expect((await queue.attemptsOf([id])).get(id)!.map((a) => a.outcome)).toEqual([
      'retry',
      'retry',
      'failed',
      'completed',
    ])
  })

  it('cancelling a running job aborts its handler’s signal; a waiting one ends at once', async () => {
    const waiting = await newJob()
    expect(await queue.cancel(waiting)).toBe('cancelled')
    expect(await store.repo.getJob(userId, waiting)).toMatchObject({ status: 'failed' })
    await expect(queue.cancel(waiting)).rejects.toThrow(/has ended/)

    const id = await newJob()
    let aborted = false
    const events: WorkerEvent[] = []
    const worker = drain(
      (_job, jc) =>
        new Promise((_resolve, reject) => {
          jc.signal.addEventListener('abort', () => {
            aborted = true
            reject(new Error('stopped'))
          })
          void queue.cancel(id)
        }),
      events,
    )
    const summary = await worker
    expect(aborted).toBe(true)
    expect(summary.cancelled).toBe(1)
    const job = await store.repo.getJob(userId, id)
    expect(job.status).toBe('failed')
    expect(job.cancelled_at).not.toBeNull()
    expect((await queue.counts()).cancelled).toBe(2)
  })

  it('a lapsed lease is taken over; what the dead attempt left is not stored twice', async () => {
    const id = await newJob(2)
    const dead = await queue.claim({
      worker: 'dead-worker',
      leaseSeconds: 1,
      now: new Date(Date.now() - 60_000),
    })
    expect(dead?.id).toBe(id)
    // The dead attempt had written one object before it died.
    await store.repo.blobs.put(`generated/${id}/1_1700000000000.jpg`, jpeg, 'image/jpeg')
    expect(await queue.counts()).toMatchObject({ running: 1 })
    const events: WorkerEvent[] = []
    await drain(async (job) => images(job), events)
    expect(events).toContainEqual({ event: 'claimed', job: id, attempt: 2, recovered: true })
    expect(await store.repo.getJob(userId, id)).toMatchObject({ status: 'completed', attempts: 2 })
    expect(await store.repo.blobs.list(`generated/${id}/`)).toHaveLength(2)
    const attempts = (await queue.attemptsOf([id])).get(id)!
    expect(attempts.map((a) => [a.worker, a.outcome])).toEqual([
      ['dead-worker', 'lost'],
      [expect.any(String), 'completed'],
    ])
  })

  it('a provider at its max_running takes no more claims until one ends', async () => {
    await queue.setLimit({ provider: 'openai', max_running: 1, per_minute: null })
    const a = await newJob()
    const b = await newJob()
    const first = await queue.claim({ worker: 'w1', leaseSeconds: 30, provider: 'openai' })
    expect(first?.id).toBe(a)
    expect(
      await queue.claim({ worker: 'w2', leaseSeconds: 30, provider: 'openai' }),
    ).toBeUndefined()
    const other = await queue.claim({ worker: 'w2', leaseSeconds: 30, provider: 'other' })
    expect(other?.id).toBe(b)
    await queue.fail(first!, 'gave up', NO_WAIT)
    const again = await queue.claim({ worker: 'w2', leaseSeconds: 30, provider: 'openai' })
    expect(again?.id).toBe(a)
    // End both, so that no lease outlives the test.
    const once = new JobQueue(store.db, { ...imageGenStore.jobs!.table, maxAttempts: 1 })
    await once.fail(other!, 'done')
    await new JobQueue(store.db, { ...imageGenStore.jobs!.table, maxAttempts: 2 }).fail(
      again!,
      'done',
    )
    expect(await queue.limits()).toEqual([{ provider: 'openai', max_running: 1, per_minute: null }])
  })

  it('a handler’s wrong number of images fails the attempt, naming it', async () => {
    const id = await newJob(3)
    await drain(async () => ({ images: [{ data: jpeg }] }), [], 1)
    expect((await store.repo.getJob(userId, id)).error_message).toMatch(
      /asked for 3 images, the handler returned 1/,
    )
  })

  it('an end leaves a column given as undefined as it was', async () => {
    const id = await newJob()
    const lease = await queue.claim({ worker: 'w1', leaseSeconds: 30 })
    expect(lease?.id).toBe(id)
    await queue.complete(lease!, { status: 'completed', prompt: undefined })
    expect(await store.repo.getJob(userId, id)).toMatchObject({
      status: 'completed',
      prompt: 'a lighthouse',
      lease_owner: null,
    })
  })

  it('video-batch: a video is completed with the handler’s file and genmedia’s timing', async () => {
    const videos = await openStore(videoBatchStore, { location: ctx.freshLocation('videos') })
    try {
      const image = await videos.repo.registerUpload({ original_filename: 'cat.jpg' })
      const prompt = await videos.repo.addPromptSet({ image_id: image.id, video_prompt: 'purr' })
      const video = await videos.repo.queueVideo({ prompt_id: prompt.id })
      let seen: Record<string, unknown> | undefined
      const events: WorkerEvent[] = []
      const summary = await runWorker({
        store: videos,
        pipeline: videoBatchStore.jobs!,
        drain: true,
        pollMs: 20,
        onEvent: (e) => events.push(e),
        handler: async (job) => {
          seen = job
          return { video_filename: 'cat.mp4', file_size_bytes: 1234, metadata: { seed: 7 } }
        },
      })
      expect(summary.completed).toBe(1)
      expect(events[0]).toEqual({ event: 'started', worker: summary.worker, concurrency: 1 })
      expect((seen!.prompt as { video_prompt: string }).video_prompt).toBe('purr')
      const done = await videos.repo.getVideo(video.id)
      expect(done).toMatchObject({
        status: 'completed',
        video_filename: 'cat.mp4',
        file_size_bytes: 1234,
        metadata: { seed: 7 },
        claimed_by: expect.any(String),
      })
      expect(done.generation_time_seconds).toBeGreaterThanOrEqual(0)
    } finally {
      await videos.close()
    }
  })
})
