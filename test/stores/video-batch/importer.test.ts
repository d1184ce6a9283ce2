import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, ValidationError, type OpenStore } from '../../../src/core/index.js'
import {
  importVideoBatch,
  videoBatchStore,
  type VideoBatchRepository,
} from '../../../src/stores/video-batch/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { writeLegacyLogs } from './legacy-logs.js'

describe.each(ENGINES)('video-batch importer on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<VideoBatchRepository>[] = []
  let n = 0
  const setup = async (sizes = { images: 40, prompts: 30, videos: 60 }) => {
    const store = await openStore(videoBatchStore, { location: ctx.freshLocation('imp') })
    open.push(store)
    const logs = writeLegacyLogs(join(ctx.dir, `logs-${++n}`), sizes)
    return { store, logs }
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
  })
  const count = async (store: OpenStore, sql: string) =>
    Number((await store.db.query<{ n: number }>(sql))[0]!.n)

  it('imports realistic logs: counts, status mapping, placeholder links, metadata', async () => {
    const { store, logs } = await setup()
    const report = await importVideoBatch(store.db, logs)
    expect(report.issues).toEqual([])
    // 40 uploads + 4 retry rows merged into their failed attempts.
    expect(report.tables.images).toMatchObject({ read: 44, merged: 4, inserted: 40, skipped: 0 })
    expect(report.tables.prompts).toMatchObject({ read: 30, inserted: 30 })
    expect(report.tables.videos).toMatchObject({ read: 60, inserted: 60 })
    // Prompt files 7, 14, 21, 28 name no image: they (and their videos) go to the placeholder.
    expect(report.placeholderLinks).toBe(4 + 8)
    const placeholder = await store.repo.getLegacyPlaceholder()
    expect(await count(store, 'SELECT COUNT(*) AS n FROM images')).toBe(41)
    expect(await count(store, "SELECT COUNT(*) AS n FROM images WHERE status = 'success'")).toBe(40)
    const retried = (await store.repo.findImagesByFilename('img_10.jpg'))[0]!
    expect(retried).toMatchObject({ status: 'success', error_message: null })
    const legacy = await store.repo.listPromptSetsForImage(placeholder.id)
    expect(legacy.map((p) => p.source_file).sort()).toEqual([
      'prompt_14.json',
      'prompt_21.json',
      'prompt_28.json',
      'prompt_7.json',
    ])
    // prompt_3 names the uploaded file name (up_img_3.jpg): linked all the same.
    const [viaUploaded] = await store.db.query<{ image_id: number }>(
      "SELECT image_id FROM prompts WHERE source_file = 'prompt_3.json'",
    )
    expect(viaUploaded!.image_id).toBe((await store.repo.findImagesByFilename('img_3.jpg'))[0]!.id)
    const counts = await store.repo.countVideosByStatus()
    expect(counts).toEqual({ pending: 0, completed: 30, failed: 30 })
    const video = (await store.repo.listVideos({ status: 'completed' }, { limit: 500 })).items.find(
      (v) => v.video_filename === 'video_1.mp4',
    )!
    expect(video.metadata).toEqual({ resolution: '1280x720', prompt_file: 'prompt_1.json' })
    const prompt1 = await store.db.query<{ id: number; image_id: number }>(
      "SELECT id, image_id FROM prompts WHERE source_file = 'prompt_1.json'",
    )
    expect(video).toMatchObject({ prompt_id: prompt1[0]!.id, image_id: prompt1[0]!.image_id })
  })

  it('changes nothing when run again, and updates only what changed', async () => {
    const { store, logs } = await setup()
    await importVideoBatch(store.db, logs)
    const again = await importVideoBatch(store.db, logs)
    for (const table of ['images', 'prompts', 'videos'] as const) {
      expect(again.tables[table], table).toMatchObject({ inserted: 0, updated: 0 })
    }
    expect(again.tables.videos.unchanged).toBe(60)
    writeFileSync(
      join(logs.prompts, 'prompt_2.json'),
      JSON.stringify({ image_filename: 'img_2.jpg', video_prompt: 'a new take' }),
    )
    appendFileSync(logs.videos, '{"video_filename":"video_1.mp4","status":"failure"}\n')
    const third = await importVideoBatch(store.db, logs)
    expect(third.tables.prompts).toMatchObject({ updated: 1, inserted: 0 })
    expect(third.tables.videos).toMatchObject({ updated: 1, inserted: 0, merged: 1 })
    expect(await count(store, 'SELECT COUNT(*) AS n FROM videos')).toBe(60)
    expect(await count(store, "SELECT COUNT(*) AS n FROM videos WHERE status = 'failed'")).toBe(31)
  })

  it('skips bad lines, naming file and line, and imports the rest', async () => {
    const { store, logs } = await setup({ images: 5, prompts: 3, videos: 4 })
    appendFileSync(logs.uploads, 'x,broken.jpg,in/b.jpg,12,,,1,uploaded,\n')
    appendFileSync(logs.uploads, '2025-01-01,huge.jpg,in/h.jpg,-5,,,1,success,\n')
    writeFileSync(join(logs.prompts, 'prompt_bad.json'), '{"video_prompt": 42,\n"x": 1}')
    writeFileSync(join(logs.prompts, 'prompt_worse.json'), '{"video_prompt": ')
    appendFileSync(
      logs.videos,
      [
        '{not json',
        '{"video_filename":"a.mp4","status":"done"}',
        '{"status":"success"}',
        '{"video_filename":"b.mp4","status":"success","generation_time_seconds":"fast"}',
        '{"video_filename":"c.mp4","status":"success","weird_key":[1,2]}',
      ].join('\n') + '\n',
    )
    const report = await importVideoBatch(store.db, logs)
    const where = report.issues.map((i) => `${i.file.split('/').pop()}:${i.line}`)
    expect(where).toEqual([
      'image_uploading.csv:7',
      'image_uploading.csv:8',
      'prompt_bad.json:1',
      'prompt_worse.json:1',
      'video_generation_log.jsonl:5',
      'video_generation_log.jsonl:6',
      'video_generation_log.jsonl:7',
      'video_generation_log.jsonl:8',
    ])
    expect(report.issues[0]!.message).toMatch(/timestamp/)
    expect(report.issues[5]!.message).toMatch(/unknown status "done"/)
    expect(report.issues[6]!.message).toMatch(/video_filename or created_at/)
    expect(report.issues[7]!.message).toMatch(/generation_time_seconds/)
    expect(report.tables.videos).toMatchObject({ skipped: 4, inserted: 5 })
    const c = (await store.repo.listVideos({}, { limit: 500 })).items.find(
      (v) => v.video_filename === 'c.mp4',
    )!
    expect(c.metadata).toEqual({ weird_key: [1, 2] })
    expect(c.image_id).toBe((await store.repo.getLegacyPlaceholder()).id)
  })

  it('--strict writes nothing on a bad entry; --dry-run writes nothing and counts the same', async () => {
    const { store, logs } = await setup({ images: 10, prompts: 5, videos: 8 })
    const original = readFileSync(logs.videos, 'utf8')
    appendFileSync(logs.videos, '{"video_filename":"z.mp4","status":"exploded"}\n')
    await expect(importVideoBatch(store.db, { ...logs, strict: true })).rejects.toThrow(
      /video_generation_log\.jsonl:9: unknown status "exploded".*nothing was written/,
    )
    await expect(importVideoBatch(store.db, { ...logs, strict: true })).rejects.toBeInstanceOf(
      ValidationError,
    )
    expect(await count(store, 'SELECT COUNT(*) AS n FROM images')).toBe(0)
    writeFileSync(logs.videos, original)
    const dry = await importVideoBatch(store.db, { ...logs, dryRun: true })
    expect(dry.dryRun).toBe(true)
    for (const table of ['images', 'prompts', 'videos']) {
      expect(await count(store, `SELECT COUNT(*) AS n FROM ${table}`), table).toBe(0)
    }
    const real = await importVideoBatch(store.db, logs)
    expect(real.tables).toEqual(dry.tables)
    expect(real.placeholderLinks).toBe(dry.placeholderLinks)
  })

  it('refuses an upload log whose header names no images column', async () => {
    const { store, logs } = await setup({ images: 2, prompts: 0, videos: 0 })
    writeFileSync(logs.uploads, 'original_filename,colour\na.jpg,red\n')
    await expect(importVideoBatch(store.db, { uploads: logs.uploads })).rejects.toThrow(
      /:1: unknown column colour/,
    )
    await expect(
      importVideoBatch(store.db, { videos: join(ctx.dir, 'nope.jsonl') }),
    ).rejects.toThrow(/not a readable file/)
  })
})
