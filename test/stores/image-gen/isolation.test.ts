import { describe, expect, it } from 'vitest'
import { NotFoundError } from '../../../src/core/index.js'
import type { ImageGenRepository } from '../../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { tinyImage, useImageGen, userWithSession } from './helpers.js'

const TABLES = [
  'users',
  'sessions',
  'reference_images',
  'generation_jobs',
  'generated_images',
  'generation_job_reference_images',
]

describe.each(ENGINES)('image-gen user isolation on $name', (engine) => {
  const ctx = useEngine(engine)
  const open = useImageGen(ctx)

  it("refuses every operation on another user's rows and changes nothing", async () => {
    const { store, repo, blobs } = await open()
    const a = await userWithSession(repo, 'alice@example.com')
    const b = await userWithSession(repo, 'bob@example.com')
    const ref = await repo.uploadReferenceImage(a.user.id, {
      file: await tinyImage(),
      file_name: 'a.png',
      session_id: a.session.id,
    })
    const job = await repo.createGenerationJob(a.user.id, {
      session_id: a.session.id,
      prompt: 'p',
      number_of_shots: 2,
      reference_image_ids: [ref.id],
    })
    await repo.startJob(a.user.id, job.id)
    const image = await repo.recordGeneratedImage(a.user.id, job.id, { file: await tinyImage() })
    const pending = await repo.createGenerationJob(a.user.id, { prompt: 'q' })

    const snapshot = async () => {
      const out: Record<string, unknown[]> = {}
      for (const t of TABLES) out[t] = await store.db.query(`SELECT * FROM ${t} ORDER BY id`)
      return { rows: out, blobs: await blobs.list() }
    }
    const before = await snapshot()

    const bob = b.user.id
    const file = await tinyImage()
    const attempts: [string, (r: ImageGenRepository) => Promise<unknown>][] = [
      ['getSession', (r) => r.getSession(bob, a.session.id)],
      ['renameSession', (r) => r.renameSession(bob, a.session.id, 'mine now')],
      ['deleteSession', (r) => r.deleteSession(bob, a.session.id)],
      ['listSessionImages', (r) => r.listSessionImages(bob, a.session.id)],
      [
        'uploadReferenceImage',
        (r) => r.uploadReferenceImage(bob, { file, file_name: 'b.png', session_id: a.session.id }),
      ],
      ['getReferenceImage', (r) => r.getReferenceImage(bob, ref.id)],
      ['referenceImageUrl', (r) => r.referenceImageUrl(bob, ref.id)],
      ['deleteReferenceImage', (r) => r.deleteReferenceImage(bob, ref.id)],
      [
        'createGenerationJob(session)',
        (r) => r.createGenerationJob(bob, { session_id: a.session.id, prompt: 'x' }),
      ],
      [
        'createGenerationJob(reference)',
        (r) => r.createGenerationJob(bob, { prompt: 'x', reference_image_ids: [ref.id] }),
      ],
      ['getJob', (r) => r.getJob(bob, job.id)],
      ['getJobWithReferenceImages', (r) => r.getJobWithReferenceImages(bob, job.id)],
      ['recordGeneratedPrompt', (r) => r.recordGeneratedPrompt(bob, job.id, 'x')],
      ['startJob', (r) => r.startJob(bob, pending.id)],
      ['recordGeneratedImage', (r) => r.recordGeneratedImage(bob, job.id, { file })],
      ['completeJob', (r) => r.completeJob(bob, job.id)],
      ['failJob', (r) => r.failJob(bob, job.id, 'x')],
      ['deleteJob', (r) => r.deleteJob(bob, job.id)],
      ['getGeneratedImage', (r) => r.getGeneratedImage(bob, image.id)],
      ['generatedImageUrl', (r) => r.generatedImageUrl(bob, image.id)],
      ['deleteGeneratedImage', (r) => r.deleteGeneratedImage(bob, image.id)],
    ]
    for (const [name, attempt] of attempts) {
      await expect(attempt(repo), name).rejects.toBeInstanceOf(NotFoundError)
    }
    expect((await repo.listSessions(bob)).items.map((s) => s.id)).toEqual([b.session.id])
    expect((await repo.listJobs(bob)).items).toEqual([])
    expect((await repo.listReferenceImages(bob)).items).toEqual([])
    expect(await snapshot()).toEqual(before)
  })
})
