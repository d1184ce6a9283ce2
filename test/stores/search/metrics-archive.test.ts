import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, searchStore, type OpenStore } from '../../../src/core/index.js'
import { metricsStore, type MetricsRepository } from '../../../src/stores/metrics/index.js'
import { archiveStore, type ArchiveRepository } from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'

// Search and facets on metrics' videos (title, description, topic) and archive's sessions
// (artwork name, master and output paths): phrase, prefix and multi-word queries, rows written
// by plain SQL found, updated and deleted rows followed.
describe.each(ENGINES)('metrics and archive search on $name', (engine) => {
  const ctx = useEngine(engine)
  let metrics: OpenStore<MetricsRepository>
  let archive: OpenStore<ArchiveRepository>

  beforeAll(async () => {
    metrics = await openStore(metricsStore, { location: await ctx.isolatedLocation('metrics') })
    archive = await openStore(archiveStore, { location: await ctx.isolatedLocation('archive') })
  })
  afterAll(async () => {
    await metrics.close()
    await archive.close()
  })

  const titles = (page: { items: { title: string | null }[] }) =>
    page.items.map((v) => v.title).sort()

  it('metrics: finds videos by title, description and topic, with filters and facets', async () => {
    const repo = metrics.repo
    await repo.addVideo({ video_id: 'v1', title: 'Foggy harbour at dawn', topic: 'Travel' })
    await repo.addVideo({
      video_id: 'v2',
      title: 'Smart glasses review',
      description: 'a harbour walk with the new glasses',
      topic: 'Smart glasses',
    })
    await repo.addVideo({ video_id: 'v3', title: 'Desert night sky', topic: 'Travel' })
    await repo.setVideoStatus('v2', 'rendered')

    const page = await repo.listVideos({}, {}, { q: 'harbour', facets: ['status', 'topic'] })
    expect(titles(page)).toEqual(['Foggy harbour at dawn', 'Smart glasses review'])
    expect(page.facets?.status?.values).toEqual([
      { value: 'draft', count: 1 },
      { value: 'rendered', count: 1 },
    ])
    expect(titles(await repo.searchVideos('"harbour at dawn"'))).toEqual(['Foggy harbour at dawn'])
    expect(titles(await repo.searchVideos('"dawn harbour"'))).toEqual([])
    expect(titles(await repo.searchVideos('glass*'))).toEqual(['Smart glasses review'])
    expect(titles(await repo.searchVideos('travel night'))).toEqual(['Desert night sky'])
    expect(titles(await repo.searchVideos('harbour', { status: 'rendered' }))).toEqual([
      'Smart glasses review',
    ])

    // Written, changed and deleted by plain SQL, as the seed's own scripts do.
    await metrics.db.query(
      "INSERT INTO video_metadata (video_id, title, topic) VALUES ('v4', 'Lighthouse timelapse', 'Travel')",
    )
    expect(titles(await repo.searchVideos('lighthouse'))).toEqual(['Lighthouse timelapse'])
    await metrics.db.query(
      "UPDATE video_metadata SET title = 'Beacon timelapse' WHERE video_id = 'v4'",
    )
    expect(titles(await repo.searchVideos('lighthouse'))).toEqual([])
    expect(titles(await repo.searchVideos('beacon'))).toEqual(['Beacon timelapse'])
    await metrics.db.query("DELETE FROM video_metadata WHERE video_id = 'v4'")
    expect(titles(await repo.searchVideos('beacon'))).toEqual([])

    const found = await searchStore(metrics.db, metricsStore, 'desert', {})
    expect(found.map((f) => [f.table, f.items.length])).toEqual([['video_metadata', 1]])
  })

  it('archive: finds sessions by artwork name and paths, with facets', async () => {
    const repo = archive.repo
    const start = (id: string, artwork: string, master: string) =>
      repo.startSession({
        session_id: id,
        artwork_name: artwork,
        project_date: '24-01-01',
        master_path: master,
        output_path: `/out/${id}`,
        operations: [{ operation_type: 'scene_detection', operation_name: 'Detect scenes' }],
      })
    await start('s1', 'Harbour Mural', '/masters/harbour_mural_final.mov')
    await start('s2', 'Desert Suite', '/masters/desert_suite.mov')
    await start('s3', 'Night Harbour', '/masters/night_v2.mov')
    await repo.failSession('s3', 'encoder crashed')

    const page = await repo.listSessions({}, {}, { q: 'harbour', facets: ['status'] })
    expect(page.items.map((s) => s.session_id).sort()).toEqual(['s1', 's3'])
    expect(page.facets?.status?.values).toEqual([
      { value: 'failed', count: 1 },
      { value: 'initialized', count: 1 },
    ])
    const ids = async (q: string, filter = {}) =>
      (await repo.searchSessions(q, filter)).items.map((s) => s.session_id).sort()
    expect(await ids('harbour_mural_final.mov')).toEqual(['s1'])
    expect(await ids('suite')).toEqual(['s2'])
    expect(await ids('mas*')).toEqual(['s1', 's2', 's3'])
    expect(await ids('"night harbour"')).toEqual(['s3'])
    expect(await ids('harbour', { status: 'failed' })).toEqual(['s3'])

    await archive.db.query(
      "UPDATE processing_state SET master_path = '/masters/lighthouse.mov' WHERE session_id = 's2'",
    )
    expect(await ids('lighthouse')).toEqual(['s2'])
    expect(await ids('desert_suite.mov')).toEqual([])
    await archive.db.query("DELETE FROM operation_log WHERE session_id = 's2'")
    await archive.db.query("DELETE FROM processing_state WHERE session_id = 's2'")
    expect(await ids('lighthouse')).toEqual([])
  })
})
