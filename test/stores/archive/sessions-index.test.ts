import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  insertMany,
  openStore,
  type CapturedQuery,
  type Database,
  type OpenStore,
} from '../../../src/core/index.js'
import { archiveStore, type ArchiveRepository } from '../../../src/stores/archive/index.js'
import { activeSession, type ActiveSession } from '../../../src/stores/archive/tables.js'
import { ENGINES, useEngine } from '../../engines.js'

const STATUSES = ['initialized', 'processing', 'paused', 'completed', 'failed'] as const
const OPEN = new Set<string>(['initialized', 'processing', 'paused'])
const T0 = Date.now() - 9 * 86_400_000

/** sessions inserts `count` sessions: status by `statusOf(i)`, updated_at one minute apart. */
async function addSessions(
  db: Database,
  count: number,
  statusOf: (i: number) => string,
  updatedAt: (i: number) => Date = (i) => new Date(T0 + i * 60_000),
): Promise<void> {
  const columns = [
    'session_id',
    'artwork_name',
    'project_date',
    'master_path',
    'output_path',
    'preset_id',
    'total_operations',
    'completed_operations',
    'status',
    'updated_at',
  ]
  const rows = Array.from({ length: count }, (_, i) => ({
    session_id: `s${String(i).padStart(5, '0')}`,
    artwork_name: 'Loom',
    project_date: '24-12-01',
    master_path: '/m.mov',
    output_path: '/out',
    preset_id: 'webflow_standard',
    total_operations: 4,
    completed_operations: i % 5,
    status: statusOf(i),
    updated_at: updatedAt(i),
  }))
  await insertMany(db, 'processing_state', columns, rows)
}

/**
 * A sort of every matching row: SQLite's temporary B-tree, PostgreSQL's Sort node (an
 * Incremental Sort of rows already in updated_at order, stopping at the limit, is not one).
 */
const FULL_SORT = /TEMP B-TREE|(^|->\s+)Sort\s+\(/m

/** plan EXPLAINs one captured statement: SQLite's plan details or PostgreSQL's plan lines. */
async function plan(db: Database, statement: CapturedQuery): Promise<string> {
  const sqlite = db.dialect.name === 'sqlite'
  const rows = await db.query<Record<string, string>>(
    `${sqlite ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${statement.sql}`,
    statement.parameters,
  )
  return rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n')
}

describe.each(ENGINES)('archive session indexes on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ArchiveRepository>

  beforeEach(async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive_idx') })
  })
  afterEach(() => store.close())

  it('pages active_sessions by keyset: open sessions only, latest first, ties by session_id', async () => {
    // Pairs of sessions share an updated_at, so the tie-breaker decides within each pair.
    await addSessions(
      store.db,
      23,
      (i) => STATUSES[i % 5]!,
      (i) => new Date(T0 + Math.floor(i / 2) * 60_000),
    )
    const seen: ActiveSession[] = []
    let after: string | null = null
    let pages = 0
    do {
      const page = await store.repo.listActiveSessions({ after, limit: 4 })
      expect(page.items.length).toBeLessThanOrEqual(4)
      seen.push(...page.items)
      after = page.next
      pages++
    } while (after)
    expect(pages).toBe(4)
    const expected = Array.from({ length: 23 }, (_, i) => i)
      .filter((i) => OPEN.has(STATUSES[i % 5]!))
      .sort((a, b) => Math.floor(b / 2) - Math.floor(a / 2) || b - a)
      .map((i) => `s${String(i).padStart(5, '0')}`)
    expect(seen.map((s) => s.session_id)).toEqual(expected)
    expect(seen.every((s) => OPEN.has(s.status))).toBe(true)
    const first = seen.find((s) => s.session_id === 's00021')!
    expect(first).toMatchObject({ status: 'processing', progress_percent: 25 })
    // Exactly the rows of the seed's view, column for column.
    const view = activeSession.codec.decodeAll(
      await store.db.query('SELECT * FROM active_sessions'),
    )
    const bySession = (a: ActiveSession, b: ActiveSession) => (a.session_id < b.session_id ? -1 : 1)
    expect([...seen].sort(bySession)).toEqual(view.sort(bySession))
    expect((await store.repo.listActiveSessions()).items).toHaveLength(expected.length)
    await expect(store.repo.listActiveSessions({ limit: 0 })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'limit',
    })
  })

  it('serves active_sessions pages and the resume query from partial indexes, without sorting', async () => {
    // Three sessions in five open, as in the sample data grown to scale.
    await addSessions(store.db, 12_000, (i) => STATUSES[i % 5]!)
    await store.db.query('ANALYZE')
    const statements = async (fn: () => Promise<unknown>) =>
      (await store.db.captureQueries(fn)).queries.filter((q) => /^\s*select/i.test(q.sql))
    const first = await store.repo.listActiveSessions({ limit: 10 })
    const [page1] = await statements(() => store.repo.listActiveSessions({ limit: 10 }))
    const [page2] = await statements(() =>
      store.repo.listActiveSessions({ limit: 10, after: first.next }),
    )
    for (const statement of [page1!, page2!]) {
      const text = await plan(store.db, statement)
      expect(text).toMatch(/idx_session_active_updated/)
      expect(text).not.toMatch(FULL_SORT)
      expect(text).not.toMatch(/Seq Scan|\bSCAN processing_state\b(?! USING)/)
    }
    const resume = await statements(() => store.repo.getResumableSession())
    const query = resume.find((q) => /FROM processing_state ps/.test(q.sql))!
    const text = await plan(store.db, query)
    expect(text).toMatch(/idx_session_resumable_updated/)
    expect(text).not.toMatch(FULL_SORT)
    expect(text).not.toMatch(/Seq Scan on processing_state|SCAN ps\b(?! USING)/)
    const resumable = await store.repo.getResumableSession()
    expect(resumable!.session.session_id).toBe('s11997')
  })
})
