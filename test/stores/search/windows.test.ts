import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  encodeCursor,
  openStore,
  ValidationError,
  type OpenStore,
} from '../../../src/core/index.js'
import { FACET_ROWS, SEARCH_WINDOW } from '../../../src/core/search/list.js'
import { parseSearchQuery } from '../../../src/core/search/query.js'
import { newestMatches } from '../../../src/core/search/window.js'
import { aiArtistStore, type AiArtistRepository } from '../../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../../engines.js'

// Searches and facets past their bounds: a word in more rows than one ranking window holds, and
// a list longer than facets count. The rows are written by plain SQL, as another program would.

/** Matches of "lantern": two and a half windows; every seventh row says it three times. */
const MATCHES = Math.round(SEARCH_WINDOW * 2.5)
/** Of them, how many are written after the other rows (the rest before). */
const LATE_MATCHES = 100

/** Inserts rows numbered `from` to `to` by a recursive SELECT (valid SQL on both engines). */
function generated(from: number, to: number, columns: string, values: string): string {
  return (
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to}) ` +
    `INSERT INTO generated_images (${columns}) SELECT ${values} FROM n`
  )
}

const lanterns = (from: number, to: number) =>
  generated(
    from,
    to,
    'filename, prompt, model_id',
    `'lantern_' || i || '.png', ` +
      `CASE WHEN i % 7 = 0 THEN 'lantern lantern lantern' ELSE 'a lantern by the sea ' || i END, ` +
      `CASE WHEN i % 3 = 0 THEN 'flux' ELSE 'sdxl' END`,
  )

// Most matches of "lantern" are older than FACET_ROWS other rows, of which every fifth says
// "beacon": the newest rows hold few lanterns and many beacons, so that on an engine whose index
// returns every match at once (PostgreSQL) one word is found through the index and the other by
// scanning the newest rows.
describe.each(ENGINES)('search and facets past their bounds on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository>

  beforeAll(async () => {
    store = await openStore(aiArtistStore, { location: ctx.freshLocation('windows') })
    await store.db.query(lanterns(1, MATCHES - LATE_MATCHES))
    await store.db.query(
      generated(
        1,
        FACET_ROWS,
        'filename, prompt, model_id, status',
        `'other_' || i || '.png', ` +
          `CASE WHEN i % 5 = 0 THEN 'a quiet field beacon' ELSE 'a quiet field' END, ` +
          `CASE WHEN i % 4 = 0 THEN 'flux' ELSE 'sdxl' END, ` +
          `CASE WHEN i % 2 = 0 THEN 'curated' ELSE 'pending' END`,
      ),
    )
    await store.db.query(lanterns(MATCHES - LATE_MATCHES + 1, MATCHES))
  })
  afterAll(() => store.close())

  const lanternIds = async () =>
    (
      await store.db.query<{ id: number }>(
        "SELECT id FROM generated_images WHERE filename LIKE 'lantern%' ORDER BY id DESC",
      )
    ).map((r) => Number(r.id))

  it('pages through every match once, the best of each window of newest matches first', async () => {
    const ids = await lanternIds()
    const seen: number[] = []
    let after: string | null | undefined
    let pages = 0
    do {
      const page = await store.repo.searchImages('lantern', {}, { after, limit: 170 })
      seen.push(...page.items.map((i) => i.id))
      after = page.next
      // A row written between pages is newer than every window: it is not met on later pages.
      if (pages++ === 0) {
        await store.db.query(
          "INSERT INTO generated_images (filename, prompt, model_id) VALUES ('late.png', 'lantern lantern lantern lantern', 'sdxl')",
        )
      }
    } while (after)
    expect(seen).toHaveLength(MATCHES)
    expect(new Set(seen).size).toBe(MATCHES)
    expect([...seen].sort((a, b) => b - a)).toEqual(ids)
    // The first window is the newest SEARCH_WINDOW matches: all of them come first, those that
    // say the word three times (every seventh row) ahead of the rest, newest first among equals.
    const first = ids.slice(0, SEARCH_WINDOW)
    expect(seen.slice(0, SEARCH_WINDOW).sort((a, b) => b - a)).toEqual(first)
    const filename = new Map(
      (
        await store.db.query<{ id: number; filename: string }>(
          "SELECT id, filename FROM generated_images WHERE filename LIKE 'lantern%'",
        )
      ).map((r) => [Number(r.id), r.filename]),
    )
    const strong = first.filter((id) => Number(/\d+/.exec(filename.get(id)!)![0]) % 7 === 0)
    expect(seen.slice(0, strong.length)).toEqual(strong)
    const late = await store.repo.searchImages('lantern', {}, { limit: 1 })
    expect(late.items[0]!.filename).toBe('late.png')
  })

  it('pages through a word in many of the newest rows', async () => {
    const [beacons] = await store.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM generated_images WHERE prompt LIKE '%beacon%'",
    )
    const seen = new Set<number>()
    let after: string | null | undefined
    do {
      const page = await store.repo.searchImages('beacon', {}, { after, limit: 300 })
      for (const image of page.items) seen.add(image.id)
      after = page.next
    } while (after)
    expect(seen.size).toBe(Number(beacons!.n))
  })

  it('finds the newest matches however they are spread over the keys', async () => {
    const search = aiArtistStore.search!.generated_images!
    const base = store.db.kysely.selectFrom('generated_images').selectAll()
    const narrowed = store.db.dialect.narrowToMatches(base, search, parseSearchQuery('beacon'))
    const source = { base, narrowed, table: 'generated_images', key: narrowed.key }
    const expected = (
      await store.db.query<{ id: number }>(
        "SELECT id FROM generated_images WHERE prompt LIKE '%beacon%' ORDER BY id DESC",
      )
    ).map((r) => Number(r.id))
    // More than the newest keys' first scan holds, fewer than all (PostgreSQL scans on), then
    // more than there are (PostgreSQL turns to the index for the rest).
    for (const size of [expected.length - 500, expected.length + 1]) {
      const rows = await newestMatches(store.db, source, [narrowed.key.as('k')], undefined, size)
      expect(rows.map((r) => Number(r.k))).toEqual(expected.slice(0, size))
    }
    const below = expected[1000]!
    const rows = await newestMatches(store.db, source, [narrowed.key.as('k')], below, 10)
    expect(rows.map((r) => Number(r.k))).toEqual(expected.slice(1001, 1011))
  })

  it('ranks the same windows under a filter', async () => {
    const sdxl = await store.db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM generated_images WHERE model_id = 'sdxl' AND prompt LIKE '%lantern%'",
    )
    let count = 0
    let after: string | null | undefined
    do {
      const page = await store.repo.searchImages(
        'lantern',
        { model_id: 'sdxl' },
        { after, limit: 500 },
      )
      expect(page.items.every((i) => i.model_id === 'sdxl')).toBe(true)
      count += page.items.length
      after = page.next
    } while (after)
    expect(count).toBe(Number(sdxl[0]!.n))
  })

  it('refuses a cursor that is not a searched list cursor, naming after', async () => {
    for (const after of [encodeCursor([1, 2]), encodeCursor(['1', 2, 3]), 'nonsense']) {
      await expect(store.repo.searchImages('lantern', {}, { after })).rejects.toMatchObject({
        field: 'after',
      })
    }
    await expect(store.repo.searchImages('lantern', {}, { after: 'x' })).rejects.toBeInstanceOf(
      ValidationError,
    )
  })

  it('counts the newest FACET_ROWS rows of a longer list, and says so', async () => {
    const page = await store.repo.listImages({}, { limit: 1 }, { facets: ['model_id', 'status'] })
    const newest = await store.db.query<{ model_id: string; n: number }>(
      `SELECT model_id, COUNT(*) AS n FROM (SELECT model_id FROM generated_images ORDER BY id DESC LIMIT ${FACET_ROWS}) w GROUP BY model_id ORDER BY n DESC`,
    )
    expect(page.facets?.model_id).toEqual({
      values: newest.map((r) => ({ value: r.model_id, count: Number(r.n) })),
      truncated: false,
      counted: FACET_ROWS,
    })
    const statuses = page.facets!.status!.values.reduce((sum, v) => sum + v.count, 0)
    expect(statuses).toBe(FACET_ROWS)
    // Under a search with fewer matches than that, every match is counted.
    const searched = await store.repo.listImages({}, {}, { q: 'lantern', facets: ['model_id'] })
    expect(searched.facets?.model_id?.counted).toBeUndefined()
    const total = searched.facets!.model_id!.values.reduce((sum, v) => sum + v.count, 0)
    expect(total).toBe(MATCHES + 1)
  })
})
