import { describe, expect, it } from 'vitest'
import { ENGINES, useEngine } from '../../engines.js'
import { useImageGen, userWithSession } from '../image-gen/helpers.js'

describe.each(ENGINES)('image-gen search on $name', (engine) => {
  const ctx = useEngine(engine)
  const open = useImageGen(ctx)

  it("never finds or counts another user's jobs or images", async () => {
    const { store, repo } = await open()
    const a = await userWithSession(repo, 'alice@example.com')
    const b = await userWithSession(repo, 'bob@example.com')
    const aliceJob = await repo.createGenerationJob(a.user.id, {
      prompt: 'foggy harbour at dawn',
      style: 'cinematic',
    })
    await repo.createGenerationJob(a.user.id, { prompt: 'foggy harbour, second take' })
    const bobJob = await repo.createGenerationJob(b.user.id, { prompt: 'sunny harbour' })
    const insertImage = (userId: number, jobId: number, name: string, prompt: string) =>
      store.db.query(
        `INSERT INTO generated_images (generation_job_id, user_id, gcp_bucket_path, gcp_url, file_name, file_size, mime_type, prompt_used, generation_index)
         VALUES (${jobId}, ${userId}, 'b/${name}', 'https://x/${name}', '${name}', 10, 'image/png', '${prompt}', 1)`,
      )
    await insertImage(a.user.id, aliceJob.id, 'alice_harbour.png', 'foggy harbour')
    await insertImage(b.user.id, bobJob.id, 'bob_harbour.png', 'sunny harbour')

    const bobJobs = await repo.listJobs(b.user.id, {}, {}, { q: 'harbour', facets: ['status'] })
    expect(bobJobs.items.map((j) => j.id)).toEqual([bobJob.id])
    expect(bobJobs.facets?.status?.values).toEqual([{ value: 'pending', count: 1 }])
    expect((await repo.searchJobs(b.user.id, 'foggy')).items).toEqual([])
    const aliceJobs = await repo.listJobs(a.user.id, {}, {}, { q: 'foggy', facets: ['style'] })
    expect(aliceJobs.items).toHaveLength(2)
    expect(aliceJobs.facets?.style?.values).toEqual([
      { value: 'cinematic', count: 1 },
      { value: null, count: 1 },
    ])

    const bobImages = await repo.listGeneratedImages(
      b.user.id,
      {},
      {
        q: 'harbour',
        facets: ['mime_type'],
      },
    )
    expect(bobImages.items.map((i) => i.file_name)).toEqual(['bob_harbour.png'])
    expect(bobImages.facets?.mime_type?.values).toEqual([{ value: 'image/png', count: 1 }])
    expect((await repo.searchImages(b.user.id, 'alice_harbour.png')).items).toEqual([])
    expect((await repo.searchImages(a.user.id, 'alice_harbour.png')).items).toHaveLength(1)
  })
})
