import { afterEach, describe, expect, it } from 'vitest'
import {
  ConflictError,
  inspectSchema,
  NotFoundError,
  openStore,
  ValidationError,
  type OpenStore,
} from '../../../src/core/index.js'
import { VideoBatchRepository, videoBatchStore } from '../../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { SEED_QUERIES } from './seed-queries.js'

/** The seed's columns: name → [declared type, NOT NULL, default]. */
const SEED_COLUMNS: Record<string, [string, string, boolean, string | null][]> = {
  images: [
    ['id', 'INTEGER', false, null],
    ['timestamp', 'TEXT', true, "datetime('now')"],
    ['original_filename', 'TEXT', true, null],
    ['original_path', 'TEXT', false, null],
    ['file_size_bytes', 'INTEGER', false, null],
    ['upload_url', 'TEXT', false, null],
    ['uploaded_filename', 'TEXT', false, null],
    ['uploaded_path', 'TEXT', false, null],
    ['downloaded_size_bytes', 'INTEGER', false, null],
    ['processing_time_seconds', 'REAL', false, null],
    ['status', 'TEXT', true, "'pending'"],
    ['error_message', 'TEXT', false, null],
    ['descriptive_name', 'TEXT', false, null],
    ['processed_path', 'TEXT', false, null],
    ['created_at', 'TEXT', true, "datetime('now')"],
    ['updated_at', 'TEXT', true, "datetime('now')"],
    ['origin_image_id', 'INTEGER', false, null],
  ] as [string, string, boolean, string | null][],
  prompts: [
    ['id', 'INTEGER', false, null],
    ['image_id', 'INTEGER', true, null],
    ['image_prompt', 'TEXT', false, null],
    ['video_prompt', 'TEXT', false, null],
    ['refined_video_prompt', 'TEXT', false, null],
    ['creative_video_prompt_1', 'TEXT', false, null],
    ['creative_video_prompt_2', 'TEXT', false, null],
    ['creative_video_prompt_3', 'TEXT', false, null],
    ['created_at', 'TEXT', true, "datetime('now')"],
    ['updated_at', 'TEXT', true, "datetime('now')"],
  ] as [string, string, boolean, string | null][],
  videos: [
    ['id', 'INTEGER', false, null],
    ['image_id', 'INTEGER', true, null],
    ['prompt_id', 'INTEGER', false, null],
    ['video_filename', 'TEXT', false, null],
    ['video_path', 'TEXT', false, null],
    ['prompt_used', 'TEXT', false, null],
    ['prompt_type', 'TEXT', false, "'base'"],
    ['generation_service', 'TEXT', false, null],
    ['generation_time_seconds', 'REAL', false, null],
    ['file_size_bytes', 'INTEGER', false, null],
    ['status', 'TEXT', true, "'pending'"],
    ['error_message', 'TEXT', false, null],
    ['created_at', 'TEXT', true, "datetime('now')"],
    ['metadata', 'TEXT', false, null],
  ] as [string, string, boolean, string | null][],
}

/** The type PostgreSQL reports for a seed type (timestamps TIMESTAMPTZ, REAL 8 bytes, integers 64-bit). */
function postgresType(column: string, seedType: string): string {
  if (seedType === 'REAL') return 'double precision'
  if (['timestamp', 'created_at', 'updated_at'].includes(column)) return 'timestamp with time zone'
  return seedType === 'INTEGER' ? 'bigint' : 'text'
}

describe.each(ENGINES)('video-batch store on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<VideoBatchRepository>[] = []
  const fresh = async (label = 'vb') => {
    const store = await openStore(videoBatchStore, { location: ctx.freshLocation(label) })
    open.push(store)
    return store
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })

  it('has every column of the seed with its type, NOT NULL and default', async () => {
    const { db } = await fresh()
    const schema = await inspectSchema(db)
    for (const [table, columns] of Object.entries(SEED_COLUMNS)) {
      const info = schema.tables.find((t) => t.name === table)!
      for (const [name, type, notNull, def] of columns) {
        const column = info.columns.find((c) => c.name === name)
        expect(column, `${table}.${name}`).toBeDefined()
        const expected = engine.name === 'sqlite' ? type : postgresType(name, type)
        expect(column!.type.toLowerCase(), `${table}.${name}`).toBe(expected.toLowerCase())
        if (name !== 'id') expect(column!.notNull, `${table}.${name}`).toBe(notNull)
        if (def === null) continue
        if (engine.name === 'sqlite') expect(column!.default).toContain(def)
        else if (def.startsWith("'")) expect(column!.default).toContain(def)
        else expect(column!.default).toMatch(/CURRENT_TIMESTAMP|now\(\)/i)
      }
    }
    const indexes = schema.indexes.map((i) => i.name)
    for (const name of ['idx_images_status', 'idx_videos_status', 'idx_prompts_image_id']) {
      expect(indexes).toContain(name)
    }
    expect(schema.triggers.map((t) => t.name)).toEqual(
      expect.arrayContaining(['update_images_timestamp', 'update_prompts_timestamp']),
    )
  })

  it('runs every query of the seed as written (the chains query equivalently on PostgreSQL)', async () => {
    const store = await fresh()
    const summary = await videoBatchStore.seedSampleData(store.repo, store.db)
    expect(summary.videos).toBeGreaterThan(0)
    for (const [title, text] of Object.entries(SEED_QUERIES)) {
      const aliasInHaving = /HAVING derivatives_count/.test(text)
      const runnable =
        aliasInHaving && engine.name === 'postgres'
          ? text.replace('HAVING derivatives_count > 0', 'HAVING COUNT(generated.id) > 0')
          : text
      const rows = await store.db.query(runnable)
      expect(rows.length, title).toBeGreaterThan(0)
    }
    const chains = await store.repo.getImageChains()
    const verbatim = await store.db.query<{ original_image: string; derivatives_count: number }>(
      engine.name === 'sqlite'
        ? SEED_QUERIES['Get image generation chains (images and their derivatives)']!
        : SEED_QUERIES['Get image generation chains (images and their derivatives)']!.replace(
            'HAVING derivatives_count > 0',
            'HAVING COUNT(generated.id) > 0',
          ),
    )
    expect(chains.map((c) => [c.original_image, c.derivatives_count]).sort()).toEqual(
      verbatim.map((c) => [c.original_image, Number(c.derivatives_count)]).sort(),
    )
  })

  it('seeds a realistic batch: every status, legacy prompts, derivation chains', async () => {
    const store = await fresh()
    const summary = await videoBatchStore.seedSampleData(store.repo, store.db)
    const counts = await store.db.query<{ t: string; n: number }>(
      `SELECT 'images' AS t, COUNT(*) AS n FROM images UNION ALL SELECT 'prompts', COUNT(*) FROM prompts UNION ALL SELECT 'videos', COUNT(*) FROM videos`,
    )
    for (const { t, n } of counts) expect(Number(n), t).toBe(summary[t])
    const byStatus = await store.repo.countVideosByStatus()
    for (const s of ['pending', 'completed', 'failed']) expect(byStatus[s]).toBeGreaterThan(0)
    const failedUploads = await store.repo.listImages({ status: 'failed' })
    expect(failedUploads.items.length).toBeGreaterThan(0)
    expect((await store.repo.listLegacyPrompts()).items).toHaveLength(5)
    expect((await store.repo.getImageChains()).length).toBeGreaterThanOrEqual(3)
    const stats = await store.repo.getVideoStatistics()
    expect(stats.map((s) => s.status)).toEqual(['completed', 'failed', 'pending'])
    const completed = await store.repo.listCompletedVideosWithPrompts(500)
    expect(completed).toHaveLength(byStatus.completed!)
    const times = completed.map((c) => c.generation_time_seconds!)
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('runs the upload → prompts → video workflow with timing, sizes and metadata', async () => {
    const { repo } = await fresh()
    const image = await repo.registerUpload({ original_filename: 'sunset_beach-01.jpg' })
    expect(image).toMatchObject({ status: 'pending', descriptive_name: 'Sunset Beach 01' })
    expect(image.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const uploaded = await repo.completeUpload(image.id, {
      upload_url: 'https://img.example.com/a.jpg',
      processing_time_seconds: 1.5,
    })
    expect(uploaded.status).toBe('success')
    await expect(repo.failUpload(image.id, { error_message: 'late' })).rejects.toThrow(
      ConflictError,
    )
    const prompt = await repo.addPromptSet({
      image_id: image.id,
      video_prompt: 'waves, slow dolly in',
      creative_video_prompt_1: 'a dream of waves',
    })
    const base = await repo.queueVideo({ prompt_id: prompt.id })
    const creative = await repo.queueVideo({ prompt_id: prompt.id, prompt_type: 'creative_1' })
    expect(base).toMatchObject({ image_id: image.id, prompt_type: 'base', status: 'pending' })
    expect(base.prompt_used).toBe('waves, slow dolly in')
    expect(creative.prompt_used).toBe('a dream of waves')

    const claimed = await repo.claimNextVideo('worker-1')
    expect(claimed).toMatchObject({ id: base.id, claimed_by: 'worker-1', status: 'pending' })
    const done = await repo.completeVideo(base.id, {
      video_filename: 'v1.mp4',
      file_size_bytes: 3_000_000_000,
      generation_time_seconds: 95.5,
      metadata: { resolution: '1280x720' },
    })
    expect(done).toMatchObject({
      status: 'completed',
      file_size_bytes: 3_000_000_000,
      metadata: { resolution: '1280x720' },
    })
    await expect(repo.completeVideo(base.id, { video_filename: 'again.mp4' })).rejects.toThrow(
      ConflictError,
    )
    const failed = await repo.failVideo(creative.id, { error_message: 'timeout' })
    expect(failed.status).toBe('failed')
    expect(failed.generation_time_seconds).toBeGreaterThanOrEqual(0)
    await expect(repo.getVideo(9999)).rejects.toThrow(NotFoundError)
  })

  it('refuses to queue a video with no prompt to generate from', async () => {
    const { repo } = await fresh()
    const image = await repo.registerUpload({ original_filename: 'no_prompt.jpg' })
    const prompt = await repo.addPromptSet({ image_id: image.id, video_prompt: 'waves' })
    await expect(
      repo.queueVideo({ prompt_id: prompt.id, prompt_type: 'creative_9' }),
    ).rejects.toMatchObject({
      field: 'prompt_type',
      message: expect.stringContaining('"creative_9"'),
    })
    await expect(
      repo.queueVideo({ prompt_id: prompt.id, prompt_type: 'refined' }),
    ).rejects.toMatchObject({ field: 'prompt_used', message: expect.stringContaining('refined') })
    expect((await repo.listVideos()).items).toHaveLength(0)
    const given = await repo.queueVideo({
      prompt_id: prompt.id,
      prompt_type: 'creative_9',
      prompt_used: 'a ninth idea',
    })
    expect(given).toMatchObject({ prompt_type: 'creative_9', prompt_used: 'a ninth idea' })
  })

  it('refuses a status outside the seed’s list, naming the value and the column', async () => {
    const { repo, db } = await fresh()
    await expect(repo.listImages({ status: 'uploaded' as never })).rejects.toThrow(/"uploaded"/)
    await expect(
      db.query("INSERT INTO images (original_filename, status) VALUES ('a.jpg', 'processing')"),
    ).rejects.toMatchObject({ field: 'status' })
    await expect(
      db.query("INSERT INTO videos (image_id, status) VALUES (1, 'processing')"),
    ).rejects.toBeInstanceOf(ValidationError)
    await expect(repo.addPromptSet({ image_id: 424242 })).rejects.toMatchObject({
      field: 'image_id',
    })
  })

  it('creates the legacy placeholder once, and prompts without an image point at it', async () => {
    const store = await fresh()
    const [a, b, c] = await Promise.all([
      store.repo.getLegacyPlaceholder(),
      store.repo.getLegacyPlaceholder(),
      store.repo.getLegacyPlaceholder(),
    ])
    expect(new Set([a!.id, b!.id, c!.id]).size).toBe(1)
    expect(a).toMatchObject({
      original_filename: 'legacy_placeholder',
      descriptive_name: 'Legacy System Migration',
      status: 'legacy',
    })
    const prompt = await store.repo.addLegacyPromptSet({ video_prompt: 'old prompt' })
    expect(prompt.image_id).toBe(a!.id)
    await expect(
      store.db.query(
        "INSERT INTO images (original_filename, status) VALUES ('legacy_placeholder', 'legacy')",
      ),
    ).rejects.toBeInstanceOf(ConflictError)
    expect((await store.repo.listLegacyPrompts()).items.map((p) => p.id)).toEqual([prompt.id])
  })

  it('moves updated_at on update and keeps created_at', async () => {
    const { repo, db } = await fresh()
    const image = await repo.registerUpload({ original_filename: 'x.jpg' })
    const prompt = await repo.addPromptSet({ image_id: image.id, video_prompt: 'a' })
    const past = new Date('2020-01-01T00:00:00Z')
    const [p1, p2] = [db.dialect.parameter(1), db.dialect.parameter(2)]
    await db.query(`UPDATE prompts SET updated_at = ${p1}, created_at = ${p2}`, [past, past])
    await db.query(`UPDATE images SET updated_at = ${p1}, created_at = ${p2}`, [past, past])
    const updated = await repo.updatePromptSet(prompt.id, { video_prompt: 'b' })
    expect(updated.created_at).toBe('2020-01-01T00:00:00.000Z')
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(past.getTime())
    await db.query(`UPDATE prompts SET updated_at = ${p1}`, [past])
    await db.query("UPDATE prompts SET video_prompt = 'c'")
    expect(Date.parse((await repo.getPromptSet(prompt.id)).updated_at)).toBeGreaterThan(
      past.getTime(),
    )
    const done = await repo.completeUpload(image.id, {})
    expect(done.created_at).toBe('2020-01-01T00:00:00.000Z')
    expect(Date.parse(done.updated_at)).toBeGreaterThan(past.getTime())
  })

  it('walks the whole ancestry and all descendants of an image', async () => {
    const { repo } = await fresh()
    const a = await repo.registerUpload({ original_filename: 'a.jpg' })
    const b = await repo.deriveImage(a.id, { original_filename: 'b.png' })
    const c = await repo.deriveImage(b.id, { original_filename: 'c.png' })
    const d = await repo.deriveImage(a.id, { original_filename: 'd.png' })
    await expect(repo.deriveImage(999, { original_filename: 'e.png' })).rejects.toThrow(
      NotFoundError,
    )
    const ofC = await repo.getImageLineage(c.id)
    expect(ofC.ancestors.map((i) => [i.id, i.depth])).toEqual([
      [b.id, 1],
      [a.id, 2],
    ])
    expect(ofC.descendants).toEqual([])
    const ofA = await repo.getImageLineage(a.id)
    expect(ofA.ancestors).toEqual([])
    expect(ofA.descendants.map((i) => [i.id, i.depth])).toEqual([
      [b.id, 1],
      [d.id, 1],
      [c.id, 2],
    ])
    const generated = await repo.listGeneratedImagesWithOrigins()
    expect(generated.items.map((g) => g.generated_image).sort()).toEqual(['B', 'C', 'D'])
  })

  it('pages the original images by keyset without gaps or repeats', async () => {
    const store = await fresh()
    await videoBatchStore.seedSampleData(store.repo, store.db)
    const seen: number[] = []
    let after: string | null = null
    do {
      const page: Awaited<ReturnType<typeof store.repo.listOriginalImages>> =
        await store.repo.listOriginalImages({ after, limit: 7 })
      seen.push(...page.items.map((i) => i.id))
      after = page.next
    } while (after)
    const [row] = await store.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM images WHERE origin_image_id IS NULL AND status = 'success'",
    )
    expect(seen).toHaveLength(Number(row!.n))
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('never gives one pending video to two claimers', async () => {
    const location = ctx.freshLocation('claims')
    const first = await openStore(videoBatchStore, { location })
    open.push(first)
    const image = await first.repo.registerUpload({ original_filename: 'q.jpg' })
    const prompt = await first.repo.addPromptSet({ image_id: image.id, video_prompt: 'p' })
    for (let i = 0; i < 12; i++) await first.repo.queueVideo({ prompt_id: prompt.id })
    const second = engine.concurrent ? await openStore(videoBatchStore, { location }) : first
    if (second !== first) open.push(second)
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? second : first).repo.claimNextVideo(`worker-${i}`),
      ),
    )
    const ids = claims.filter((c) => c !== undefined).map((c) => c.id)
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    expect(await first.repo.claimNextVideo('late')).toBeUndefined()
    await first.repo.releaseVideo(ids[0]!)
    expect((await first.repo.claimNextVideo('again'))?.id).toBe(ids[0])
    expect(await first.repo.releaseStaleClaims(-1)).toBe(12)
  })
})
