import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ConflictError,
  NotFoundError,
  openStore,
  paginate,
  ValidationError,
  type CapturedQuery,
  type OpenStore,
  type Page,
} from '../../../src/core/index.js'
import {
  aiArtistStore,
  type AiArtistRepository,
  type NewImage,
} from '../../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const image = (n: number, extra: Partial<NewImage> = {}): NewImage => ({
  filename: `img_${n}.png`,
  prompt: `prompt ${n}`,
  model_id: 'sdxl-1.0',
  ...extra,
})

/** A node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON). */
interface PlanNode {
  'Node Type': string
  'Actual Rows': number
  'Rows Removed by Filter'?: number
  Plans?: PlanNode[]
}

/** The rows a plan's scans read: those they returned and those their filters removed. */
function rowsScanned(node: PlanNode): number {
  const own = node['Node Type'].endsWith('Scan')
    ? node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)
    : 0
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsScanned(child), 0)
}

describe.each(ENGINES)('ai-artist repository on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository>
  let repo: AiArtistRepository

  beforeEach(async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('ai') })
    repo = store.repo
  })
  afterEach(() => store.close())

  it('adds and reads an image with JSON, boolean and timestamp columns decoded', async () => {
    const added = await repo.addImage(
      image(1, {
        generation_params: { width: 1024, guidance_scale: 7.5, nested: { a: [1, 2] } },
        tags: ['landscape', 'sunset'],
        is_featured: true,
        final_score: 8.2,
        seed: 42,
      }),
    )
    expect(added).toMatchObject({
      id: expect.any(Number),
      negative_prompt: '',
      generation_params: { width: 1024, guidance_scale: 7.5, nested: { a: [1, 2] } },
      tags: ['landscape', 'sunset'],
      is_featured: true,
      final_score: 8.2,
      status: 'pending',
      seed: 42,
    })
    expect(added.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(await repo.getImage(added.id)).toEqual(added)
    expect(await repo.getImageByFilename('img_1.png')).toEqual(added)
    const plain = await repo.addImage(image(2))
    expect(plain).toMatchObject({ generation_params: {}, tags: [], is_featured: false })
  })

  it('refuses a score outside its range or an unknown status, naming the column', async () => {
    await expect(repo.addImage(image(1, { final_score: 10.5 }))).rejects.toMatchObject({
      field: 'final_score',
    })
    await expect(repo.addImage(image(1, { clip_score: -0.1 }))).rejects.toMatchObject({
      field: 'clip_score',
    })
    await expect(repo.addImage(image(1, { status: 'approved' as never }))).rejects.toBeInstanceOf(
      ValidationError,
    )
    await expect(repo.addImage(image(1, { status: 'approved' as never }))).rejects.toMatchObject({
      field: 'status',
    })
    // The database refuses it too, for writers that bypass the repository.
    const p = (i: number) => store.db.dialect.parameter(i)
    const insert = `INSERT INTO generated_images (filename, prompt, model_id, final_score, status) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`
    await expect(store.db.query(insert, ['x.png', 'p', 'm', 11, 'pending'])).rejects.toMatchObject({
      field: 'final_score',
    })
    await expect(store.db.query(insert, ['x.png', 'p', 'm', 5, 'approved'])).rejects.toMatchObject({
      field: 'status',
    })
  })

  it('refuses a duplicate filename as a conflict and an unknown id as not found', async () => {
    await repo.addImage(image(1))
    await expect(repo.addImage(image(1))).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.getImage(999)).rejects.toBeInstanceOf(NotFoundError)
    await expect(repo.curateImage(999)).rejects.toBeInstanceOf(NotFoundError)
    await expect(repo.deleteImage(999)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('moves updated_at on update and never created_at', async () => {
    const past = new Date(Date.now() - 3_600_000)
    const added = await repo.addImage(image(1, { created_at: past }))
    await store.db.query(
      `UPDATE generated_images SET updated_at = ${store.db.dialect.parameter(1)}`,
      [engine.name === 'sqlite' ? '2020-01-01 00:00:00' : past],
    )
    const curated = await repo.curateImage(added.id)
    expect(curated.status).toBe('curated')
    expect(curated.created_at).toBe(added.created_at)
    expect(Date.parse(curated.updated_at)).toBeGreaterThan(past.getTime())
    // A raw UPDATE (not through the repository) is caught by the update_timestamp trigger too.
    await store.db.query(
      `UPDATE generated_images SET updated_at = ${store.db.dialect.parameter(1)}`,
      [engine.name === 'sqlite' ? '2020-01-01 00:00:00' : new Date('2020-01-01T00:00:00Z')],
    )
    await store.db.query("UPDATE generated_images SET prompt = 'edited'")
    const edited = await repo.getImage(added.id)
    expect(edited.created_at).toBe(added.created_at)
    expect(edited.updated_at.startsWith('2020')).toBe(false)
  })

  it('curates, rejects and features', async () => {
    const a = await repo.addImage(image(1, { final_score: 9 }))
    expect((await repo.featureImage(a.id)).is_featured).toBe(true)
    expect((await repo.curateImage(a.id)).status).toBe('curated')
    const rejected = await repo.rejectImage(a.id)
    expect(rejected).toMatchObject({ status: 'rejected', is_featured: false })
    expect((await repo.featureImage(a.id, false)).is_featured).toBe(false)
    expect(await repo.countImagesByStatus()).toEqual({ pending: 0, curated: 0, rejected: 1 })
  })

  it('lists with filters and keyset pages that cover every match exactly once', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z')
    const inputs = Array.from({ length: 57 }, (_, i) =>
      image(i, {
        model_id: i % 3 === 0 ? 'flux' : 'sdxl-1.0',
        status: i % 2 === 0 ? 'curated' : 'pending',
        final_score: (i % 10) + 0.5,
        tags: i % 4 === 0 ? ['landscape', 'x'] : ['portrait'],
        // Several images share a second, so the id must break ties.
        created_at: new Date(base + Math.floor(i / 3) * 1000),
      }),
    )
    expect(await repo.addImages(inputs)).toBe(57)

    const seen: number[] = []
    let after: string | null = null
    let pages = 0
    do {
      const page = await repo.listImages({}, { after, limit: 10 })
      seen.push(...page.items.map((i) => i.id))
      after = page.next
      pages++
    } while (after)
    expect(pages).toBe(6)
    expect(new Set(seen).size).toBe(57)
    const all = await Promise.all(seen.map((id) => repo.getImage(id)))
    for (let i = 1; i < all.length; i++) {
      const [prev, cur] = [all[i - 1]!, all[i]!]
      expect(
        prev.created_at > cur.created_at ||
          (prev.created_at === cur.created_at && prev.id > cur.id),
      ).toBe(true)
    }

    const filtered = await repo.listImages(
      { status: 'curated', model_id: 'flux', min_score: 3, tag: 'landscape' },
      { limit: 100 },
    )
    const expected = inputs
      .filter((x, i) => i % 2 === 0 && i % 3 === 0 && x.final_score! >= 3 && i % 4 === 0)
      .map((x) => x.filename)
    expect(filtered.items.map((i) => i.filename).sort()).toEqual(expected.sort())
    expect(filtered.next).toBeNull()

    const ranged = await repo.listImages(
      { created_after: '2026-01-01T00:00:03Z', created_before: new Date(base + 6000) },
      { limit: 100 },
    )
    expect(ranged.items.map((i) => i.filename).sort()).toEqual(
      [9, 10, 11, 12, 13, 14, 15, 16, 17].map((n) => `img_${n}.png`).sort(),
    )
    await expect(repo.listImages({}, { after: 'garbage' })).rejects.toMatchObject({
      field: 'after',
    })
    await expect(repo.listImages({}, { limit: 0 })).rejects.toMatchObject({ field: 'limit' })
  })

  it('reads a page deep in the list from its cursor on, not from the first page', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z')
    const rows = 600
    // Two images a second: the id breaks ties at the cursor.
    await repo.addImages(
      Array.from({ length: rows }, (_, i) =>
        image(i, { created_at: new Date(base + Math.floor(i / 2) * 1000) }),
      ),
    )
    await store.db.analyze()
    // The rows the pages read. On SQLite, a function in the condition, ahead of the cursor's,
    // counts them; on PostgreSQL, EXPLAIN ANALYZE of the page's query gives its scans' rows,
    // those its filter removed included.
    const sqlite = engine.name === 'sqlite'
    let read = 0
    store.db.sqliteHandle?.function('counted', () => ++read)
    const query = store.db.kysely
      .selectFrom('generated_images')
      .select(['id', 'created_at'])
      .$if(sqlite, (q) => q.where(sql<boolean>`counted() > 0`))
    const seen: number[] = []
    let total = 0
    let after: string | null = null
    do {
      read = 0
      const { result: page, queries } = await store.db.captureQueries(
        (): Promise<Page<{ id: number }>> =>
          paginate(query, { sortColumn: 'created_at', direction: 'desc', after, limit: 50 }),
      )
      if (!sqlite) {
        const [{ sql: text, parameters }] = queries as [CapturedQuery]
        // JSON text: genmedia's connections leave JSON for the codec to parse (connection.ts).
        const [explained] = await store.db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
          parameters,
        )
        const [{ Plan }] = JSON.parse(explained!['QUERY PLAN']) as [{ Plan: PlanNode }]
        read = rowsScanned(Plan)
      }
      total += read
      seen.push(...page.items.map((i) => i.id))
      after = page.next
    } while (after)
    // Newest first, the later id first within a second.
    expect(seen).toEqual(Array.from({ length: rows }, (_, i) => rows - i))
    // Every row read about once, all pages together (655 on SQLite; up to 799 on PostgreSQL,
    // whose planner may read what is left whole for the last pages), where pages that read
    // from the first page's rows on read 2,930 (SQLite) and 3,484 (PostgreSQL).
    expect(total).toBeLessThanOrEqual(2 * rows)
  })

  it('addImages is all or nothing', async () => {
    await expect(repo.addImages([image(1), image(2), image(1)])).rejects.toBeInstanceOf(
      ConflictError,
    )
    expect((await repo.listImages()).items).toEqual([])
    await expect(repo.addImages([image(1), image(2, { final_score: 12 })])).rejects.toThrow(
      /image 2: final_score/,
    )
  })

  it('runs a training session through start, complete and fail', async () => {
    const run = await repo.startTraining({
      name: 'landscape_style_v1',
      model_path: 'models/lora/landscape_v1.safetensors',
      config: { network_dim: 64, learning_rate: 1e-4 },
      dataset_size: 75,
      started_at: new Date(Date.now() - 7_200_000),
    })
    expect(run).toMatchObject({
      status: 'running',
      completed_at: null,
      config: { network_dim: 64 },
    })
    const done = await repo.completeTraining(run.id, {
      final_loss: 0.0234,
      metrics: { fid_score: 28.5 },
    })
    expect(done).toMatchObject({
      status: 'completed',
      final_loss: 0.0234,
      metrics: { fid_score: 28.5 },
    })
    expect(done.training_time_seconds).toBeGreaterThanOrEqual(7199)
    expect(done.completed_at).not.toBeNull()
    await expect(repo.completeTraining(run.id)).rejects.toBeInstanceOf(ConflictError)

    const other = await repo.startTraining({ name: 'b', model_path: 'b.safetensors' })
    const failed = await repo.failTraining(other.id, 'CUDA out of memory')
    expect(failed).toMatchObject({ status: 'failed', metrics: { error: 'CUDA out of memory' } })

    const stats = await repo.getTrainingSessionStatistics()
    expect(stats.map((s) => s.name).sort()).toEqual(['b', 'landscape_style_v1'])
    const hours = stats.find((s) => s.name === 'landscape_style_v1')!.training_hours!
    expect(hours).toBeCloseTo(done.training_time_seconds! / 3600, 5)
    expect((await repo.listTrainingSessions({ status: 'failed' })).items.map((s) => s.id)).toEqual([
      other.id,
    ])
  })

  it('counts creation sessions and reports daily statistics', async () => {
    const day = (d: string, h: number) => new Date(`${d}T${String(h).padStart(2, '0')}:00:00Z`)
    const s1 = await repo.startCreationSession({
      theme: 'landscapes',
      started_at: day('2026-01-08', 9),
    })
    await repo.recordCreation(s1.id, { created: 3, kept: 1 })
    await repo.recordCreation(s1.id, { created: 2, kept: 1 })
    const c1 = await repo.completeCreationSession(s1.id, { avg_score: 6.8 })
    expect(c1).toMatchObject({ images_created: 5, images_kept: 2, avg_score: 6.8 })
    const s2 = await repo.startCreationSession({
      theme: 'portraits',
      started_at: day('2026-01-08', 15),
    })
    await repo.completeCreationSession(s2.id, { avg_score: 7.3 })
    const s3 = await repo.startCreationSession({
      theme: 'abstract',
      started_at: day('2026-01-09', 10),
    })
    await repo.recordCreation(s3.id, { created: 4, kept: 4 })
    await expect(repo.recordCreation(s3.id, { created: -1, kept: 0 })).rejects.toBeInstanceOf(
      ValidationError,
    )
    // An id of the wrong type or past 2^53 is a ValidationError on both engines (PostgreSQL
    // threw its own cast error, SQLite matched nothing).
    for (const id of ['abc', 1e308] as unknown as number[]) {
      await expect(repo.recordCreation(id, { created: 1, kept: 1 })).rejects.toBeInstanceOf(
        ValidationError,
      )
    }
    await expect(repo.recordCreation(10_000, { created: 1, kept: 0 })).rejects.toBeInstanceOf(
      NotFoundError,
    )
    expect(await repo.getDailyCreationStatistics()).toEqual([
      { date: '2026-01-09', sessions: 1, total_created: 4, total_kept: 4, avg_quality: null },
      { date: '2026-01-08', sessions: 2, total_created: 5, total_kept: 2, avg_quality: 7.05 },
    ])
    // Totals stay whole numbers read back exactly (the HTTP answer was a 500 past 2^53 - 1).
    const s4 = await repo.startCreationSession({ theme: 'big', started_at: day('2026-01-10', 9) })
    const big = Number.MAX_SAFE_INTEGER - 4
    await repo.recordCreation(s4.id, { created: big, kept: big })
    await expect(repo.recordCreation(s4.id, { created: 5, kept: 0 })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'created',
    })
    await expect(repo.recordCreation(s4.id, { created: 0, kept: 5 })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'kept',
    })
    expect(await repo.getCreationSession(s4.id)).toMatchObject({
      images_created: big,
      images_kept: big,
    })
  })

  it('reports size, table statistics and the indexes of generated_images', async () => {
    await repo.addImage(image(1))
    expect((await repo.getDatabaseSize()).size_mb).toBeGreaterThan(0)
    expect(await repo.getTableStatistics()).toEqual([
      { name: 'generated_images', row_count: 1 },
      { name: 'training_sessions', row_count: 0 },
      { name: 'creation_sessions', row_count: 0 },
    ])
    const names = (await repo.getIndexUsage()).map((i) => i.name)
    expect(names).toEqual(
      expect.arrayContaining(['idx_final_score', 'idx_status_score', 'idx_covering']),
    )
  })

  it('every named query runs on the sample data', async () => {
    await aiArtistStore.seedSampleData(repo, store.db)
    for (const q of aiArtistStore.namedQueries) {
      await expect(q.run(repo), q.name).resolves.not.toThrow()
    }
  })
})
