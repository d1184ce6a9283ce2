import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, searchStore, type OpenStore } from '../../../src/core/index.js'
import { trendsStore, type TrendsRepository } from '../../../src/stores/trends/index.js'
import {
  videoBatchStore,
  type VideoBatchRepository,
} from '../../../src/stores/video-batch/index.js'
import {
  imageLibraryStore,
  type ImageLibraryRepository,
} from '../../../src/stores/image-library/index.js'
import { ENGINES, useEngine } from '../../engines.js'

// Search and facets on the other stores' lists, and searchStore (genmedia search) over every
// searchable table of a store.
describe.each(ENGINES)('store search on $name', (engine) => {
  const ctx = useEngine(engine)
  let trends: OpenStore<TrendsRepository>
  let batch: OpenStore<VideoBatchRepository>
  let library: OpenStore<ImageLibraryRepository>

  beforeAll(async () => {
    trends = await openStore(trendsStore, { location: await ctx.isolatedLocation('trends') })
    batch = await openStore(videoBatchStore, { location: await ctx.isolatedLocation('batch') })
    library = await openStore(imageLibraryStore, {
      location: await ctx.isolatedLocation('library'),
    })
  })
  afterAll(async () => {
    await library.close()
    await trends.close()
    await batch.close()
  })

  it('trends: searches topics with filters and counts sources', async () => {
    const repo = trends.repo
    await repo.recordTopic({ topic: 'Foggy harbour photography', source: 'reddit' })
    await repo.recordTopic({ topic: 'harbour cranes', source: 'google', category: 'industry' })
    await repo.recordTopic({ topic: 'desert night sky', source: 'google' })
    const page = await repo.listTopics({}, {}, { q: 'harbour', facets: ['source'] })
    expect(page.items.map((t) => t.topic).sort()).toEqual([
      'Foggy harbour photography',
      'harbour cranes',
    ])
    expect(page.facets?.source?.values).toEqual([
      { value: 'google', count: 1 },
      { value: 'reddit', count: 1 },
    ])
    expect((await repo.searchTopics('industry')).items.map((t) => t.topic)).toEqual([
      'harbour cranes',
    ])
    expect((await repo.searchTopics('harbour', { source: 'reddit' })).items).toHaveLength(1)
  })

  it('video-batch: finds images by name and prompt sets by any variation', async () => {
    const repo = batch.repo
    const image = await repo.registerUpload({ original_filename: 'harbour_dawn_0001.png' })
    await repo.registerUpload({ original_filename: 'desert_0002.png' })
    await repo.addPromptSet({
      image_id: image.id,
      video_prompt: 'slow pan',
      creative_video_prompt_3: 'a lighthouse beam sweeps the fog',
    })
    const page = await repo.listImages({}, {}, { q: 'harbour dawn', facets: ['status'] })
    expect(page.items.map((i) => i.original_filename)).toEqual(['harbour_dawn_0001.png'])
    expect(page.facets?.status?.values).toEqual([{ value: 'pending', count: 1 }])
    const found = await searchStore(batch.db, videoBatchStore, 'lighthouse', {})
    expect(found.map((f) => [f.table, f.items.length])).toEqual([
      ['images', 0],
      ['prompts', 1],
    ])
    await batch.db.query('DELETE FROM prompts')
    const gone = await searchStore(batch.db, videoBatchStore, 'lighthouse', { table: 'prompts' })
    expect(gone[0]!.items).toEqual([])
  })

  it('image-library: finds images by prompt, tags and emotion, counts characters', async () => {
    const repo = library.repo
    await repo.addImage({
      character: 'butcher',
      emotion: 'angry',
      file_path: 'b/angry_1.png',
      generation_prompt: 'butcher shouting in the rain',
      tags: ['rain'],
    })
    await repo.addImage({ character: 'nutsy', emotion: 'happy', file_path: 'n/happy_1.png' })
    const page = await repo.findImages({}, {}, { q: 'rain', facets: ['character'] })
    expect(page.items.map((i) => i.file_path)).toEqual(['b/angry_1.png'])
    expect(page.facets?.character?.values).toEqual([{ value: 'butcher', count: 1 }])
    expect((await repo.searchImages('happy')).items.map((i) => i.file_path)).toEqual([
      'n/happy_1.png',
    ])
    // A filter on a column that search also reads (the dashboard's character chip under a q).
    const chosen = await repo.findImages({ character: 'butcher' }, {}, { q: 'rain' })
    expect(chosen.items.map((i) => i.file_path)).toEqual(['b/angry_1.png'])
    expect((await repo.findImages({ character: 'nutsy' }, {}, { q: 'rain' })).items).toEqual([])
  })
})
