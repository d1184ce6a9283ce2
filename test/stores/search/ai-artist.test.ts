import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { copyStore, openStore, ValidationError, type OpenStore } from '../../../src/core/index.js'
import {
  aiArtistStore,
  type AiArtistRepository,
  type NewImage,
} from '../../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const images: NewImage[] = [
  { filename: 'harbour_001.png', prompt: 'a foggy harbour at dawn', model_id: 'sdxl' },
  { filename: 'harbour_002.png', prompt: 'harbour lights, foggy night', model_id: 'flux' },
  { filename: 'forest.png', prompt: 'foggy forest path', model_id: 'sdxl', tags: ['lora-mist'] },
  {
    filename: 'city.png',
    prompt: 'neon city street',
    negative_prompt: 'blurry, harbour',
    model_id: 'flux',
    status: 'curated',
  },
  { filename: 'Café_sketch.jpg', prompt: 'café terrace at night', model_id: 'sdxl' },
]

const HOSTILE = [
  '"',
  '"unclosed phrase',
  'NEAR(foggy harbour)',
  'foggy AND OR NOT',
  '*',
  'harbour* OR 1=1; --',
  "'); DROP TABLE generated_images; --",
  'a\u0000b',
  '(((',
  'col:foggy',
  '^foggy',
  '+-',
  'x'.repeat(10_000),
  'foggy '.repeat(200),
]

describe.each(ENGINES)('ai-artist search on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository>
  let repo: AiArtistRepository
  const ids = new Map<string, number>()
  const found = async (q: string, filter = {}) =>
    (await repo.searchImages(q, filter, { limit: 500 })).items.map((i) => i.filename).sort()

  beforeAll(async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('search') })
    repo = store.repo
    for (const input of images) ids.set(input.filename, (await repo.addImage(input)).id)
  })
  afterAll(() => store.close())

  it('finds rows with every word, a phrase, a prefix, and nothing else', async () => {
    expect(await found('foggy harbour')).toEqual(['harbour_001.png', 'harbour_002.png'])
    expect(await found('"foggy harbour"')).toEqual(['harbour_001.png'])
    expect(await found('harb*')).toEqual(['city.png', 'harbour_001.png', 'harbour_002.png'])
    expect(await found('"foggy har"*')).toEqual(['harbour_001.png'])
    expect(await found('harb')).toEqual([])
    expect(await found('mist')).toEqual(['forest.png'])
    expect(await found('harbour_002.png')).toEqual(['harbour_002.png'])
    expect(await found('CAFÉ')).toEqual(['Café_sketch.jpg'])
    expect(await found('harbour', { model_id: 'sdxl' })).toEqual(['harbour_001.png'])
    expect(await found('submarine')).toEqual([])
  })

  it('ranks and pages by keyset without losing or repeating a row', async () => {
    const seen: string[] = []
    let after: string | null | undefined
    do {
      const page = await repo.searchImages('foggy', {}, { after, limit: 1 })
      seen.push(...page.items.map((i) => i.filename))
      after = page.next
    } while (after)
    expect(seen.sort()).toEqual(['forest.png', 'harbour_001.png', 'harbour_002.png'])
    const [first] = (await repo.searchImages('foggy', {}, { limit: 1 })).items
    expect(first).not.toHaveProperty('search_rank')
    // The same order on every engine: one word once in each, the shorter rows first (the
    // forest's words and its tags' are as many as harbour_002's: the newer first).
    const ranked = await repo.searchImages('foggy', {}, { limit: 10 })
    expect(ranked.items.map((i) => i.filename)).toEqual([
      'forest.png',
      'harbour_002.png',
      'harbour_001.png',
    ])
  })

  it('finds rows written by plain SQL, follows updates and forgets deleted rows', async () => {
    await store.db.query(
      "INSERT INTO generated_images (filename, prompt, model_id) VALUES ('outside.png', 'lighthouse in a storm', 'sdxl')",
    )
    expect(await found('lighthouse')).toEqual(['outside.png'])
    await store.db.query(
      "UPDATE generated_images SET prompt = 'windmill in a storm' WHERE filename = 'outside.png'",
    )
    expect(await found('lighthouse')).toEqual([])
    expect(await found('windmill storm')).toEqual(['outside.png'])
    await store.db.query("DELETE FROM generated_images WHERE filename = 'outside.png'")
    expect(await found('windmill')).toEqual([])
    await repo.updateImage(ids.get('forest.png')!, { status: 'rejected' })
    expect(await found('forest', { status: 'rejected' })).toEqual(['forest.png'])
  })

  it('counts facets under the filter and the search', async () => {
    const page = await repo.listImages({}, { limit: 1 }, { facets: ['model_id', 'status'] })
    expect(page.items).toHaveLength(1)
    expect(page.facets?.model_id).toEqual({
      values: [
        { value: 'sdxl', count: 3 },
        { value: 'flux', count: 2 },
      ],
      truncated: false,
    })
    const searched = await repo.listImages({}, {}, { q: 'harbour', facets: ['model_id'] })
    expect(searched.facets?.model_id?.values).toEqual([
      { value: 'flux', count: 2 },
      { value: 'sdxl', count: 1 },
    ])
    await expect(repo.listImages({}, {}, { facets: ['prompt'] })).rejects.toMatchObject({
      field: 'facets',
    })
  })

  it('answers hostile search text with results or a ValidationError naming q', async () => {
    for (const q of HOSTILE) {
      try {
        const page = await repo.searchImages(q, {}, { limit: 5 }, ['status'])
        expect(Array.isArray(page.items)).toBe(true)
      } catch (error) {
        expect(error, q.slice(0, 40)).toBeInstanceOf(ValidationError)
        expect((error as ValidationError).field).toBe('q')
      }
    }
    expect(await found('NEAR(foggy harbour)')).toEqual([])
    expect(await found('foggy AND')).toEqual([])
  })
})

describe.each(ENGINES)('ai-artist search after genmedia copy from $name to SQLite', (engine) => {
  const ctx = useEngine(engine)

  it('finds the copied rows: a load with triggers off rebuilds the index', async () => {
    const from = ctx.freshLocation('copy_from')
    const source = await openStore(aiArtistStore, { location: from })
    await source.repo.addImages(images)
    await source.close()
    const to = join(ctx.dir, `copy-to-${engine.name}.db`)
    await copyStore(aiArtistStore, { from, to })
    const target = await openStore(aiArtistStore, { location: to })
    try {
      const page = await target.repo.searchImages('foggy harbour')
      expect(page.items.map((i) => i.filename).sort()).toEqual([
        'harbour_001.png',
        'harbour_002.png',
      ])
    } finally {
      await target.close()
    }
  })
})
