import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { ConflictError, NotFoundError, ValidationError } from '../../../src/core/index.js'
import {
  imageGenStore,
  ImageGenRepository,
  keyFromBucketPath,
  LocalBlobStore,
  S3BlobStore,
  type BlobStore,
} from '../../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../../storage/s3-server.js'
import { countRows, HookedBlobStore, tinyImage, useImageGen, userWithSession } from './helpers.js'

let s3: S3Server
beforeAll(async () => {
  s3 = await startS3Server()
})
afterAll(async () => {
  await s3.stop()
})

const BACKENDS = [{ name: 'local folder' }, { name: 'S3 protocol' }] as const

describe.each(ENGINES)('image-gen flows on $name', (engine) => {
  const ctx = useEngine(engine)
  const open = useImageGen(ctx)

  const blobStoreFor = (backend: (typeof BACKENDS)[number]['name']): BlobStore | undefined =>
    backend === 'S3 protocol'
      ? new S3BlobStore({ endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS })
      : undefined

  const fetchBytes = async (blobs: BlobStore, url: string): Promise<Buffer> =>
    blobs instanceof LocalBlobStore
      ? (await blobs.get(LocalBlobStore.keyFromUrlPath(url))).bytes
      : Buffer.from(await (await fetch(url)).arrayBuffer())

  it.each(BACKENDS)('runs upload, generation and history end to end: $name', async ({ name }) => {
    const { repo, blobs } = await open(blobStoreFor(name))
    const user = await repo.createUser({ email: `flow-${engine.name}@example.com` })
    const png = await tinyImage('png', 40, 30)
    const ref = await repo.uploadReferenceImage(user.id, { file: png, file_name: 'my ref.png' })
    expect(ref).toMatchObject({
      width: 40,
      height: 30,
      mime_type: 'image/png',
      file_size: png.length,
    })
    expect(ref.gcp_bucket_path).toMatch(
      new RegExp(`^video-gen-image-bucket/uploads/${user.id}/\\d+_my_ref\\.png$`),
    )
    expect((await fetchBytes(blobs, ref.gcp_url)).equals(png)).toBe(true)

    const job = await repo.createGenerationJob(user.id, {
      session_title: 'Storyboard',
      prompt: 'a lighthouse',
      shot_type: 'wide',
      camera_angle: 'low_angle',
      style: 'cinematic',
      location: 'cliff',
      lighting: 'storm light',
      weather: 'storm',
      is_custom_enabled: true,
      aspect_ratio: '16:9',
      number_of_shots: 2,
      reference_image_ids: [ref.id],
    })
    expect(job).toMatchObject({ status: 'pending', is_custom_enabled: true, number_of_shots: 2 })
    const session = await repo.getSession(user.id, job.session_id!)
    expect(session).toMatchObject({ title: 'Storyboard', generated_count: 0, thumbnail_url: null })

    await repo.recordGeneratedPrompt(user.id, job.id, 'a lighthouse, dramatic, 35mm')
    const claimed = await repo.claimNextJob()
    expect(claimed).toMatchObject({ id: job.id, status: 'processing', user_id: user.id })
    expect(claimed!.started_at).not.toBeNull()
    const made = await repo.recordGeneratedImages(user.id, job.id, [
      { file: await tinyImage('png', 64, 36) },
      { file: await tinyImage('jpeg', 64, 36), prompt_used: 'variant' },
    ])
    expect(made.map((i) => i.generation_index)).toEqual([1, 2])
    for (const image of made) {
      expect(image.gcp_bucket_path).toMatch(
        new RegExp(
          `^video-gen-image-bucket/generated/${job.id}/${image.generation_index}_\\d+\\.jpg$`,
        ),
      )
      const bytes = await fetchBytes(blobs, image.gcp_url)
      expect((await sharp(bytes).metadata()).format).toBe('jpeg')
      expect(image).toMatchObject({ mime_type: 'image/jpeg', width: 64, height: 36 })
    }
    expect(made[0]!.prompt_used).toBe('a lighthouse, dramatic, 35mm')
    const done = await repo.completeJob(user.id, job.id, {
      model_used: 'dall-e-3',
      generation_method: 'openai',
    })
    expect(done).toMatchObject({ status: 'completed', model_used: 'dall-e-3' })
    expect(done.completed_at).not.toBeNull()

    const history = await repo.listSessions(user.id)
    expect(history.items[0]).toMatchObject({
      id: session.id,
      generated_count: 2,
      thumbnail_url: made[0]!.gcp_url,
    })
    expect((await repo.listSessionImages(user.id, session.id)).map((i) => i.id)).toEqual(
      made.map((i) => i.id),
    )
    expect((await repo.getJobWithReferenceImages(user.id, job.id)).reference_image_urls).toEqual([
      ref.gcp_url,
    ])
    const fresh = await repo.generatedImageUrl(user.id, made[0]!.id, { expiresIn: 60 })
    expect((await fetchBytes(blobs, fresh)).length).toBe(made[0]!.file_size)
    await blobs.close()
  })

  it('refuses what is not an image, naming the file, and stores nothing', async () => {
    const { store, repo, blobs } = await open()
    const { user } = await userWithSession(repo, 'x@example.com')
    for (const file of [
      Buffer.from('not an image at all'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ]) {
      const error = await repo
        .uploadReferenceImage(user.id, { file, file_name: 'x.png' })
        .catch((e) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.field).toBe('file')
    }
    await expect(
      repo.uploadReferenceImage(user.id, { file: Buffer.alloc(0), file_name: 'x.png' }),
    ).rejects.toMatchObject({ field: 'file' })
    expect(await countRows(store, 'reference_images')).toBe(0)
    expect(await blobs.list()).toEqual([])
  })

  it('keeps a traversal file name inside the user folder', async () => {
    const { repo, blobs } = await open()
    const { user } = await userWithSession(repo, 't@example.com')
    const ref = await repo.uploadReferenceImage(user.id, {
      file: await tinyImage(),
      file_name: '../../generated/1/../../../etc/passwd',
    })
    expect(ref.file_name).toBe('../../generated/1/../../../etc/passwd')
    const key = keyFromBucketPath(blobs.bucket, ref.gcp_bucket_path)
    expect(key).toMatch(new RegExp(`^uploads/${user.id}/\\d+_passwd$`))
    expect(await blobs.list()).toEqual([key])
  })

  it('leaves no object when a blob upload fails midway', async () => {
    const { store, repo, blobs } = await open()
    const hooked = new HookedBlobStore(blobs, async (n) => {
      if (n === 3) throw new Error('storage unavailable')
    })
    const failing = new ImageGenRepository(store.db, hooked)
    const { user, session } = await userWithSession(repo, 'f@example.com')
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      number_of_shots: 3,
    })
    await repo.startJob(user.id, job.id)
    const files = await Promise.all([1, 2, 3].map(() => tinyImage()))
    await expect(
      failing.recordGeneratedImages(
        user.id,
        job.id,
        files.map((file) => ({ file })),
      ),
    ).rejects.toThrow('storage unavailable')
    expect(await countRows(store, 'generated_images')).toBe(0)
    expect(await blobs.list('generated/')).toEqual([])
    expect((await repo.getSession(user.id, session.id)).generated_count).toBe(0)
  })

  it('deletes the objects written when the insert fails', async () => {
    const { store, repo, blobs } = await open()
    const { user, session } = await userWithSession(repo, 'g@example.com')
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      number_of_shots: 2,
    })
    await repo.startJob(user.id, job.id)
    const p = store.db.dialect.parameter
    // Another writer takes index 2 between the uploads and the insert.
    const hooked = new HookedBlobStore(blobs, async (n) => {
      if (n !== 2) return
      await store.db.query(
        `INSERT INTO generated_images (generation_job_id, user_id, gcp_bucket_path, gcp_url, file_name, file_size, mime_type, generation_index) VALUES (${p(1)}, ${p(2)}, 'elsewhere/x.jpg', 'u', 'x.jpg', 1, 'image/jpeg', 2)`,
        [job.id, user.id],
      )
    })
    const failing = new ImageGenRepository(store.db, hooked)
    await expect(
      failing.recordGeneratedImages(user.id, job.id, [
        { file: await tinyImage() },
        { file: await tinyImage() },
      ]),
    ).rejects.toBeInstanceOf(ConflictError)
    const rows = await store.db.query<{ gcp_bucket_path: string }>(
      'SELECT gcp_bucket_path FROM generated_images',
    )
    expect(rows.map((r) => r.gcp_bucket_path)).toEqual(['elsewhere/x.jpg'])
    expect(await blobs.list('generated/')).toEqual([])
  })

  it("keeps a session's thumbnail the seed query's first image when jobs commit out of order", async () => {
    const { store, repo, blobs } = await open()
    const { user, session } = await userWithSession(repo, 't@example.com')
    const job = async () => {
      const made = await repo.createGenerationJob(user.id, {
        session_id: session.id,
        prompt: 'p',
        number_of_shots: 1,
      })
      await repo.startJob(user.id, made.id)
      return made
    }
    const [early, late] = [await job(), await job()]
    // The late job's images are made first, but the early job commits while they upload.
    const hooked = new HookedBlobStore(blobs, async (n) => {
      if (n === 1)
        await repo.recordGeneratedImages(user.id, early.id, [{ file: await tinyImage() }])
    })
    await new ImageGenRepository(store.db, hooked).recordGeneratedImages(user.id, late.id, [
      { file: await tinyImage() },
    ])
    // The seed's "Get all sessions for a user with thumbnail" orders by created_at.
    const [first] = await store.db.query<{ gcp_url: string; generation_job_id: number }>(
      `SELECT gcp_url, generation_job_id FROM generated_images WHERE session_id = ${session.id} ORDER BY created_at ASC, generation_index ASC, id ASC LIMIT 1`,
    )
    expect(first!.generation_job_id).toBe(early.id)
    expect((await repo.getSession(user.id, session.id)).thumbnail_url).toBe(first!.gcp_url)
  })

  it('enforces the job lifecycle and its number of shots', async () => {
    const { repo } = await open()
    const { user } = await userWithSession(repo, 'h@example.com')
    const job = await repo.createGenerationJob(user.id, { prompt: 'p', number_of_shots: 1 })
    await expect(
      repo.recordGeneratedImage(user.id, job.id, { file: await tinyImage() }),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.completeJob(user.id, job.id)).rejects.toBeInstanceOf(ConflictError)
    await repo.startJob(user.id, job.id)
    await expect(repo.startJob(user.id, job.id)).rejects.toBeInstanceOf(ConflictError)
    await expect(
      repo.recordGeneratedImages(user.id, job.id, [
        { file: await tinyImage() },
        { file: await tinyImage() },
      ]),
    ).rejects.toMatchObject({ field: 'images' })
    await repo.recordGeneratedImage(user.id, job.id, { file: await tinyImage() })
    const failed = await repo.failJob(user.id, job.id, 'model timed out')
    expect(failed).toMatchObject({ status: 'failed', error_message: 'model timed out' })
    await expect(repo.failJob(user.id, job.id, 'again')).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.failJob(user.id, job.id, '')).rejects.toMatchObject({
      field: 'error_message',
    })
  })

  it('claims each pending job exactly once, oldest first', async () => {
    const { repo } = await open()
    const { user } = await userWithSession(repo, 'w@example.com')
    const ids = []
    for (let i = 0; i < 5; i++)
      ids.push((await repo.createGenerationJob(user.id, { prompt: `p${i}` })).id)
    const claims = await Promise.all(Array.from({ length: 8 }, () => repo.claimNextJob()))
    const claimed = claims.filter((c) => c !== undefined).map((c) => c.id)
    expect(claimed.sort((a, b) => a - b)).toEqual(ids)
    expect(claims.filter((c) => c === undefined)).toHaveLength(3)
    expect((await repo.listJobs(user.id, { status: 'processing' })).items).toHaveLength(5)
  })

  it('pages session history newest first without gaps or repeats', async () => {
    const { store, repo } = await open()
    const user = await repo.createUser({ email: 'p@example.com' })
    const p = store.db.dialect.parameter
    const made = []
    for (let i = 0; i < 5; i++) {
      const s = await repo.createSession(user.id, { title: `s${i}` })
      // Two sessions share a timestamp: the id breaks the tie.
      const at = new Date(Date.UTC(2025, 0, 1 + Math.min(i, 3)))
      await store.db.query(`UPDATE sessions SET updated_at = ${p(1)} WHERE id = ${p(2)}`, [
        at,
        s.id,
      ])
      made.push(s.id)
    }
    const seen: number[] = []
    let after: string | null = null
    do {
      const page = await repo.listSessions(user.id, { limit: 2, after })
      seen.push(...page.items.map((s) => s.id))
      after = page.next
    } while (after)
    expect(seen).toEqual([made[4], made[3], made[2], made[1], made[0]])
  })

  it('seeds sample data with a blob for every image row', async () => {
    const { store, repo, blobs } = await open()
    const summary = await imageGenStore.seedSampleData(repo, store.db)
    for (const [table, n] of Object.entries(summary))
      expect(await countRows(store, table), table).toBe(n)
    const statuses = await store.db.query<{ status: string }>(
      'SELECT DISTINCT status FROM generation_jobs ORDER BY status',
    )
    expect(statuses.map((s) => s.status)).toEqual(['completed', 'failed', 'pending', 'processing'])
    const paths = await store.db.query<{ p: string }>(
      'SELECT gcp_bucket_path AS p FROM reference_images UNION ALL SELECT gcp_bucket_path FROM generated_images',
    )
    const keys = paths.map((r) => keyFromBucketPath(blobs.bucket, r.p)).sort()
    expect(await blobs.list()).toEqual(keys)
    for (const q of imageGenStore.namedQueries) await expect(q.run(repo)).resolves.toBeDefined()
  })

  it('reports a missing row as NotFoundError', async () => {
    const { repo } = await open()
    const { user } = await userWithSession(repo, 'n@example.com')
    await expect(repo.getJob(user.id, 999)).rejects.toBeInstanceOf(NotFoundError)
  })
})
