import { afterEach, describe, expect, it } from 'vitest'
import {
  ConflictError,
  inspectSchema,
  NotFoundError,
  openStore,
  type Database,
  type OpenStore,
} from '../../../src/index.js'
import {
  imageLibraryStore,
  type ImageLibraryRepository,
  type NewLibraryImage,
} from '../../../src/stores/image-library/index.js'
import { SAMPLE_VIDEOS } from '../../../src/stores/content-studio-samples.js'
import { ENGINES, useEngine } from '../../engines.js'
import { SEARCH_VECTOR } from '../../../src/core/search/define.js'

/** The seed's columns: PostgreSQL's searchable tables also carry the stored search column (docs/search.md). */
const seedColumn = (c: { name: string }) => c.name !== SEARCH_VECTOR

const image = (n: number, extra: Partial<NewLibraryImage> = {}): NewLibraryImage => ({
  character: 'butcher',
  emotion: 'happy',
  pose: 'standing',
  file_path: `assets/butcher/${n}.png`,
  ...extra,
})

const count = async (db: Database, table: string) =>
  Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n)

describe.each(ENGINES)('image-library on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore<ImageLibraryRepository>[] = []
  const openLibrary = async () => {
    const store = await openStore(imageLibraryStore, { location: ctx.freshLocation('images') })
    open.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  it('creates every table, column, index and trigger seed 002 names for image_library.db', async () => {
    const { db } = await openLibrary()
    const schema = await inspectSchema(db)
    const columns = (table: string) =>
      schema.tables
        .find((t) => t.name === table)
        ?.columns.filter(seedColumn)
        .map((c) => c.name)
    expect(columns('image_library')).toEqual([
      'id',
      'character',
      'emotion',
      'pose',
      'file_path',
      'source',
      'file_size_bytes',
      'width',
      'height',
      'format',
      'generation_prompt',
      'generation_model',
      'quality_score',
      'usage_count',
      'tags',
      'metadata',
      'timestamp',
      'created_at',
      'last_used_at',
    ])
    expect(columns('image_usage')).toEqual([
      'id',
      'image_id',
      'video_id',
      'scene_number',
      'timestamp',
    ])
    expect(columns('image_collections')).toEqual([
      'id',
      'name',
      'description',
      'character',
      'created_at',
    ])
    expect(columns('collection_images')).toEqual(['collection_id', 'image_id', 'sort_order'])
    const pk = schema.tables
      .find((t) => t.name === 'collection_images')!
      .columns.filter((c) => c.primaryKey)
      .map((c) => c.name)
    expect(pk).toEqual(['collection_id', 'image_id'])
    const indexes = schema.indexes.map((i) => i.name)
    for (const name of [
      'idx_image_library_character',
      'idx_image_library_emotion',
      'idx_image_library_pose',
      'idx_image_library_source',
      'idx_image_library_quality',
      'idx_image_library_char_emotion',
      'idx_image_usage_image_id',
      'idx_image_usage_video_id',
    ]) {
      expect(indexes).toContain(name)
    }
    expect(schema.triggers.map((t) => t.name)).toContain('update_image_usage_stats')
  })

  it("keeps character to 'butcher' or 'nutsy' and file_path unique", async () => {
    const { db, repo } = await openLibrary()
    const stored = await repo.addImage(image(1, { quality_score: 0.9, tags: ['kitchen'] }))
    expect(stored).toMatchObject({
      usage_count: 0,
      last_used_at: null,
      source: 'generated',
      tags: ['kitchen'],
      metadata: {},
    })
    await expect(repo.addImage(image(1))).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.addImage(image(2, { character: 'gordon' as never }))).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'character',
    })
    await expect(
      db.query(
        "INSERT INTO image_library (character, emotion, file_path) VALUES ('gordon', 'sad', 'x.png')",
      ),
    ).rejects.toMatchObject({ name: 'ValidationError', field: 'character' })
    await expect(repo.addImage(image(3, { quality_score: 1.2 }))).rejects.toMatchObject({
      field: 'quality_score',
    })
    expect(await repo.getImageByPath('assets/butcher/1.png')).toEqual(stored)
    await expect(repo.getImage(999)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('counts every use through the update_image_usage_stats trigger', async () => {
    const { db, repo } = await openLibrary()
    const img = await repo.addImage(image(1))
    await repo.recordUsage({
      image_id: img.id,
      video_id: 'emf_1',
      scene_number: 1,
      timestamp: '2025-01-05T10:00:00Z',
    })
    await repo.recordUsage({
      image_id: img.id,
      video_id: 'emf_2',
      scene_number: 3,
      timestamp: '2025-01-09T10:00:00Z',
    })
    await repo.recordUsage({
      image_id: img.id,
      video_id: 'emf_0',
      scene_number: 2,
      timestamp: '2025-01-01T10:00:00Z',
    })
    expect(await repo.getImage(img.id)).toMatchObject({
      usage_count: 3,
      last_used_at: '2025-01-09T10:00:00.000Z',
    })
    await db.query(
      `INSERT INTO image_usage (image_id, video_id, scene_number) VALUES (${img.id}, 'emf_3', 1)`,
    )
    const after = await repo.getImage(img.id)
    expect(after.usage_count).toBe(4)
    expect(Date.parse(after.last_used_at!)).toBeGreaterThan(Date.parse('2025-06-01'))
    await expect(repo.recordUsage({ image_id: 999, video_id: 'emf_1' })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'image_id',
    })
    expect((await repo.listUsageForVideo('emf_2')).map((u) => u.scene_number)).toEqual([3])
    expect((await repo.listUsageOfImage(img.id)).items.map((u) => u.video_id)).toEqual([
      'emf_3',
      'emf_0',
      'emf_2',
      'emf_1',
    ])
  })

  it('finds images by character, emotion, pose, source and minimum quality', async () => {
    const { repo } = await openLibrary()
    await repo.addImages([
      image(1, { quality_score: 0.9 }),
      image(2, { emotion: 'sad', quality_score: 0.5 }),
      image(3, { character: 'nutsy', pose: 'jumping', source: 'dreambooth', quality_score: 0.7 }),
      image(4, { pose: 'sitting', source: 'photo', quality_score: 0.4 }),
      image(5, { quality_score: 0.95 }),
    ])
    const paths = async (filter: Parameters<ImageLibraryRepository['findImages']>[0]) =>
      (await repo.findImages(filter)).items.map((i) => i.file_path.replace(/\D/g, ''))
    expect(await paths({ character: 'butcher', emotion: 'happy' })).toEqual(['1', '4', '5'])
    expect(await paths({ pose: 'jumping' })).toEqual(['3'])
    expect(await paths({ source: 'photo' })).toEqual(['4'])
    expect(await paths({ character: 'butcher', min_quality: 0.85 })).toEqual(['1', '5'])
    const first = await repo.findImages({ character: 'butcher' }, { limit: 2 })
    const second = await repo.findImages({ character: 'butcher' }, { limit: 2, after: first.next })
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual([1, 2, 4, 5])
    await expect(repo.findImages({ min_quality: 2 })).rejects.toMatchObject({
      field: 'min_quality',
    })
    await expect(repo.addImages([image(8), image(9, { emotion: '' })])).rejects.toThrow(
      /image 2: emotion/,
    )
    expect(await paths({ pose: 'standing', emotion: 'happy' })).toEqual(['1', '5'])
  })

  it('lists the least-used images of a character and emotion', async () => {
    const { repo } = await openLibrary()
    const [a, b, c] = [
      await repo.addImage(image(1)),
      await repo.addImage(image(2)),
      await repo.addImage(image(3, { quality_score: 0.3 })),
    ]
    await repo.addImage(image(4, { character: 'nutsy' }))
    await repo.recordUsage({ image_id: a!.id, video_id: 'v1', timestamp: '2025-01-02T00:00:00Z' })
    await repo.recordUsage({ image_id: a!.id, video_id: 'v2', timestamp: '2025-01-03T00:00:00Z' })
    await repo.recordUsage({ image_id: b!.id, video_id: 'v1', timestamp: '2025-01-04T00:00:00Z' })
    await repo.recordUsage({ image_id: c!.id, video_id: 'v1', timestamp: '2025-01-01T00:00:00Z' })
    const least = await repo.listLeastUsed('butcher', 'happy', { limit: 3 })
    expect(least.map((i) => i.id)).toEqual([c!.id, b!.id, a!.id])
    const good = await repo.listLeastUsed('butcher', 'happy', { min_quality: 0.5 })
    expect(good).toEqual([])
    expect((await repo.listLeastUsed('nutsy', 'happy')).map((i) => i.file_path)).toEqual([
      'assets/butcher/4.png',
    ])
  })

  it('keeps collections in order and cascades deletions', async () => {
    const { db, repo } = await openLibrary()
    const ids = []
    for (let n = 1; n <= 4; n++) ids.push((await repo.addImage(image(n))).id)
    const nutsy = await repo.addImage(image(5, { character: 'nutsy' }))
    const col = await repo.createCollection({ name: 'intro', character: 'butcher' })
    await expect(repo.createCollection({ name: 'intro' })).rejects.toBeInstanceOf(ConflictError)
    for (const id of ids.slice(0, 3)) await repo.addToCollection(col.id, id)
    await repo.addToCollection(col.id, ids[3]!, -1)
    const order = async () => (await repo.listCollectionImages(col.id)).map((i) => i.id)
    expect(await order()).toEqual([ids[3], ids[0], ids[1], ids[2]])
    await expect(repo.addToCollection(col.id, ids[0]!)).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.addToCollection(col.id, nutsy.id)).rejects.toMatchObject({
      field: 'image_id',
    })
    await expect(repo.addToCollection(col.id, 999)).rejects.toMatchObject({ field: 'image_id' })
    await repo.reorderCollection(col.id, [ids[2]!, ids[1]!, ids[0]!, ids[3]!])
    expect(await order()).toEqual([ids[2], ids[1], ids[0], ids[3]])
    await expect(repo.reorderCollection(col.id, [ids[0]!])).rejects.toMatchObject({
      field: 'image_ids',
    })
    expect(await order()).toEqual([ids[2], ids[1], ids[0], ids[3]])
    await repo.removeFromCollection(col.id, ids[1]!)
    await repo.recordUsage({ image_id: ids[0]!, video_id: 'v1' })
    await repo.deleteImage(ids[0]!)
    expect(await order()).toEqual([ids[2], ids[3]])
    expect(await count(db, 'image_usage')).toBe(0)
    await repo.deleteCollection(col.id)
    expect(await count(db, 'collection_images')).toBe(0)
    expect(await count(db, 'image_library')).toBe(4)
    await expect(repo.listCollectionImages(col.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('seeds sample data on the same video ids as metrics, and its named queries run', async () => {
    const { db, repo } = await openLibrary()
    const summary = await imageLibraryStore.seedSampleData(repo, db)
    expect(summary).toMatchObject({ image_library: 30, image_collections: 2 })
    const used = await db.query<{ video_id: string }>('SELECT DISTINCT video_id FROM image_usage')
    const known = new Set(SAMPLE_VIDEOS.map((v) => v.video_id))
    expect(used.length).toBeGreaterThan(5)
    expect(used.every((u) => known.has(u.video_id))).toBe(true)
    const [total] = await db.query<{ n: number }>('SELECT SUM(usage_count) AS n FROM image_library')
    expect(Number(total!.n)).toBe(summary.image_usage)
    for (const query of imageLibraryStore.namedQueries) await query.run(repo)
    expect((await repo.countImagesByCharacter()).length).toBe(10)
  })
})
