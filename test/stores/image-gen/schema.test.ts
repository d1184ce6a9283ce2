import { describe, expect, it } from 'vitest'
import { inspectSchema, ValidationError } from '../../../src/core/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { planOfCall } from '../../plans.js'
import { countRows, tinyImage, useImageGen, userWithSession } from './helpers.js'

// Seed 001's "Key Fields", table by table (users: what the seed references without defining).
const KEY_FIELDS: Record<string, string[]> = {
  users: ['id', 'email', 'display_name', 'created_at'],
  sessions: [
    'id',
    'user_id',
    'title',
    'thumbnail_url',
    'generated_count',
    'created_at',
    'updated_at',
  ],
  reference_images: [
    'id',
    'user_id',
    'session_id',
    'gcp_bucket_path',
    'gcp_url',
    'file_name',
    'file_size',
    'mime_type',
    'width',
    'height',
    'uploaded_at',
  ],
  generation_jobs: [
    'id',
    'user_id',
    'session_id',
    'prompt',
    'generated_prompt',
    'shot_type',
    'camera_angle',
    'style',
    'location',
    'lighting',
    'weather',
    'is_custom_enabled',
    'aspect_ratio',
    'number_of_shots',
    'model_used',
    'status',
    'error_message',
    'generation_method',
    'started_at',
    'completed_at',
  ],
  generated_images: [
    'id',
    'generation_job_id',
    'user_id',
    'session_id',
    'gcp_bucket_path',
    'gcp_url',
    'thumbnail_url',
    'file_name',
    'file_size',
    'mime_type',
    'width',
    'height',
    'prompt_used',
    'generation_index',
    'created_at',
  ],
  generation_job_reference_images: ['id', 'generation_job_id', 'reference_image_id', 'created_at'],
}

// The seed's three example queries, verbatim.
const SEED_SESSIONS = `SELECT s.*, 
       (SELECT gcp_url FROM generated_images 
        WHERE session_id = s.id 
        ORDER BY created_at ASC LIMIT 1) as thumbnail_url
FROM sessions s
WHERE s.user_id = $1
ORDER BY s.updated_at DESC;`
const SEED_JOB = `SELECT gj.*, 
       array_agg(ri.gcp_url) as reference_image_urls
FROM generation_jobs gj
LEFT JOIN generation_job_reference_images gjri ON gj.id = gjri.generation_job_id
LEFT JOIN reference_images ri ON gjri.reference_image_id = ri.id
WHERE gj.id = $1
GROUP BY gj.id;`
const SEED_IMAGES = `SELECT gi.*
FROM generated_images gi
WHERE gi.session_id = $1
ORDER BY gi.generation_index ASC, gi.created_at ASC;`

describe.each(ENGINES)('image-gen schema on $name', (engine) => {
  const ctx = useEngine(engine)
  const open = useImageGen(ctx)

  it('has every key field, index and trigger the seed names', async () => {
    const { store } = await open()
    const schema = await inspectSchema(store.db)
    for (const [table, fields] of Object.entries(KEY_FIELDS)) {
      const columns = schema.tables.find((t) => t.name === table)?.columns.map((c) => c.name)
      expect(columns, table).toEqual(expect.arrayContaining(fields))
    }
    const created = schema.tables
      .find((t) => t.name === 'sessions')!
      .columns.find((c) => c.name === 'created_at')!
    expect(created.type.toLowerCase()).toBe(
      engine.name === 'postgres' ? 'timestamp with time zone' : 'timestamp',
    )
    expect(schema.triggers.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'update_session_on_image_generation',
        'update_session_on_image_deletion',
        'update_sessions_updated_at',
        'update_generation_jobs_updated_at',
      ]),
    )
    const indexed = (table: string, column: string) =>
      schema.indexes.some((i) => i.table === table && i.columns[0] === column)
    for (const [table, column] of [
      ['sessions', 'user_id'],
      ['reference_images', 'user_id'],
      ['reference_images', 'session_id'],
      ['generation_jobs', 'user_id'],
      ['generation_jobs', 'session_id'],
      ['generation_jobs', 'status'],
      ['generation_jobs', 'created_at'],
      ['generated_images', 'generation_job_id'],
      ['generated_images', 'user_id'],
      ['generated_images', 'session_id'],
      ['generated_images', 'created_at'],
      ['generation_job_reference_images', 'generation_job_id'],
      ['generation_job_reference_images', 'reference_image_id'],
    ]) {
      expect(indexed(table!, column!), `${table}.${column}`).toBe(true)
    }
  })

  it('keeps the session count and thumbnail by trigger, on insert and on delete', async () => {
    const { store, repo } = await open()
    const { user, session } = await userWithSession(repo, 'a@example.com')
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      number_of_shots: 3,
    })
    await repo.startJob(user.id, job.id)
    const [first, second, third] = await repo.recordGeneratedImages(user.id, job.id, [
      { file: await tinyImage() },
      { file: await tinyImage() },
      { file: await tinyImage() },
    ])
    let s = await repo.getSession(user.id, session.id)
    expect(s.generated_count).toBe(3)
    expect(s.thumbnail_url).toBe(first!.gcp_url)
    // Deleting a later image keeps the thumbnail; deleting the thumbnail moves it on.
    await repo.deleteGeneratedImage(user.id, second!.id)
    s = await repo.getSession(user.id, session.id)
    expect([s.generated_count, s.thumbnail_url]).toEqual([2, first!.gcp_url])
    await repo.deleteGeneratedImage(user.id, first!.id)
    s = await repo.getSession(user.id, session.id)
    expect([s.generated_count, s.thumbnail_url]).toEqual([1, third!.gcp_url])
    // A raw DELETE fires the trigger as well: the last image clears the thumbnail.
    await store.db.query(
      `DELETE FROM generated_images WHERE id = ${store.db.dialect.parameter(1)}`,
      [third!.id],
    )
    s = await repo.getSession(user.id, session.id)
    expect([s.generated_count, s.thumbnail_url]).toEqual([0, null])
  })

  it('moves updated_at on every update of sessions and jobs, never created_at', async () => {
    const { store, repo } = await open()
    const { user, session } = await userWithSession(repo, 'b@example.com')
    const job = await repo.createGenerationJob(user.id, { session_id: session.id, prompt: 'p' })
    const old = '2020-01-01T00:00:00.000Z'
    const p = store.db.dialect.parameter
    for (const table of ['sessions', 'generation_jobs']) {
      const id = table === 'sessions' ? session.id : job.id
      await store.db.query(
        `UPDATE ${table} SET created_at = ${p(1)}, updated_at = ${p(2)} WHERE id = ${p(3)}`,
        [new Date(old), new Date(old), id],
      )
    }
    await repo.renameSession(user.id, session.id, 'renamed')
    await repo.recordGeneratedPrompt(user.id, job.id, 'enhanced')
    for (const row of [
      await repo.getSession(user.id, session.id),
      await repo.getJob(user.id, job.id),
    ]) {
      expect(row.created_at).toBe(old)
      expect(row.updated_at > old).toBe(true)
    }
  })

  it('cascades as documented', async () => {
    const { store, repo } = await open()
    const { user, session } = await userWithSession(repo, 'c@example.com')
    const ref = await repo.uploadReferenceImage(user.id, {
      file: await tinyImage(),
      file_name: 'r.png',
      session_id: session.id,
    })
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      reference_image_ids: [ref.id],
    })
    await repo.startJob(user.id, job.id)
    await repo.recordGeneratedImage(user.id, job.id, { file: await tinyImage() })
    // Session deleted: jobs, images and references stay, outside any session.
    await repo.deleteSession(user.id, session.id)
    expect((await repo.getJob(user.id, job.id)).session_id).toBeNull()
    expect((await repo.getReferenceImage(user.id, ref.id)).session_id).toBeNull()
    expect(await countRows(store, 'generated_images')).toBe(1)
    // Reference deleted: its link goes, the job stays.
    await repo.deleteReferenceImage(user.id, ref.id)
    expect(await countRows(store, 'generation_job_reference_images')).toBe(0)
    // Job deleted: its images go.
    await repo.deleteJob(user.id, job.id)
    expect(await countRows(store, 'generated_images')).toBe(0)
    // User deleted: everything of theirs goes.
    const other = await userWithSession(repo, 'd@example.com')
    await repo.createGenerationJob(other.user.id, { session_id: other.session.id, prompt: 'p' })
    await repo.deleteUser(other.user.id)
    for (const table of ['sessions', 'generation_jobs', 'reference_images']) {
      expect(await countRows(store, table), table).toBe(0)
    }
  })

  it('takes open values (the seed gives examples) and keeps the rules it states, naming the field', async () => {
    const { store, repo } = await open()
    const { user } = await userWithSession(repo, 'e@example.com')
    const open_ = await repo.createGenerationJob(user.id, {
      prompt: 'p',
      shot_type: 'dolly zoom',
      camera_angle: 'through the keyhole',
      style: 'cyberpunk',
      aspect_ratio: '5:1',
      generation_method: 'comfyui',
    })
    expect(open_).toMatchObject({
      shot_type: 'dolly zoom',
      camera_angle: 'through the keyhole',
      style: 'cyberpunk',
      aspect_ratio: '5:1',
      generation_method: 'comfyui',
    })
    for (const [field, value] of [
      ['shot_type', ''],
      ['style', '   '],
      ['style', 'x'.repeat(2_000)],
      ['aspect_ratio', 'wide'],
      ['aspect_ratio', '0:1'],
      ['generation_method', ''],
      ['number_of_shots', 11],
      ['number_of_shots', 0],
    ] as const) {
      await expect(
        repo.createGenerationJob(user.id, { prompt: 'p', [field]: value } as never),
        `${field} ${String(value).slice(0, 10)}`,
      ).rejects.toMatchObject({ name: 'ValidationError', field })
    }
    const p = store.db.dialect.parameter
    for (const [field, value] of [
      ['status', 'done'],
      ['number_of_shots', 11],
    ] as const) {
      const error = await store.db
        .query(
          `INSERT INTO generation_jobs (user_id, prompt, ${field}) VALUES (${p(1)}, 'p', ${p(2)})`,
          [user.id, value],
        )
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).field).toBe(field)
    }
  })

  it("reads a user's image list in order from an index, not by sorting all the user's images", async () => {
    if (engine.name !== 'sqlite') return
    const { store, repo } = await open()
    const { user } = await userWithSession(repo, 'list@example.com')
    const details = await planOfCall(store.db, () => repo.listGeneratedImages(user.id))
    expect(details).toMatch(/INDEX idx_generated_images_user_created/)
    expect(details).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/)
  })

  it('runs the seed queries as named methods with the same results', async () => {
    const { store, repo } = await open()
    const { user, session } = await userWithSession(repo, 'f@example.com')
    const ref = await repo.uploadReferenceImage(user.id, {
      file: await tinyImage(),
      file_name: 'r.png',
    })
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      number_of_shots: 2,
      reference_image_ids: [ref.id],
    })
    await repo.startJob(user.id, job.id)
    await repo.recordGeneratedImages(user.id, job.id, [
      { file: await tinyImage() },
      { file: await tinyImage() },
    ])
    const sessions = (await repo.listSessions(user.id)).items
    const withRefs = await repo.getJobWithReferenceImages(user.id, job.id)
    expect(withRefs.reference_image_urls).toEqual([ref.gcp_url])
    const images = await repo.listSessionImages(user.id, session.id)
    expect(images.map((i) => i.generation_index)).toEqual([1, 2])

    // The seed's text runs as written on PostgreSQL; on SQLite, $1 becomes ? (and array_agg
    // has no SQLite equivalent in the seed's text: the repository method is the equivalent).
    const text = (q: string) => (engine.name === 'postgres' ? q : q.replace('$1', '?'))
    const seedSessions = await store.db.query<{ id: number; thumbnail_url: string }>(
      text(SEED_SESSIONS),
      [user.id],
    )
    expect(seedSessions.map((s) => [s.id, s.thumbnail_url])).toEqual(
      sessions.map((s) => [s.id, s.thumbnail_url]),
    )
    const seedImages = await store.db.query<{ id: number }>(text(SEED_IMAGES), [session.id])
    expect(seedImages.map((i) => i.id)).toEqual(images.map((i) => i.id))
    if (engine.name === 'postgres') {
      const [row] = await store.db.query<{ id: number; reference_image_urls: string[] }>(SEED_JOB, [
        job.id,
      ])
      expect(row!.id).toBe(job.id)
      expect(row!.reference_image_urls).toEqual(withRefs.reference_image_urls)
    }
  })
})
