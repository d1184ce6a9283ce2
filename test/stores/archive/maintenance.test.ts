import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, type OpenStore } from '../../../src/core/index.js'
import { archiveStore, type ArchiveRepository } from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const PLAN = [
  { operation_type: 'scene_detection', operation_name: 'detect' },
  { operation_type: 'clip_encoding', operation_name: 'encode' },
]
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000)

describe.each(ENGINES)('archive maintenance on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ArchiveRepository>
  let repo: ArchiveRepository

  const count = async (from: string) =>
    Number((await store.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${from}`))[0]!.n)

  /** A session in `status`, last updated `age` days ago, with one logged operation and a file. */
  const addSession = async (id: string, status: 'completed' | 'failed' | 'paused', age: number) => {
    await repo.startSession({
      session_id: id,
      artwork_name: `Art ${id}`,
      project_date: '24-01-01',
      master_path: `/m/${id}.mov`,
      output_path: `/o/${id}`,
      operations: PLAN,
    })
    const op = await repo.startOperation(id, PLAN[0]!)
    await repo.finishOperation(op.id)
    await repo.registerFile(id, {
      file_path: `/o/${id}/a.jpg`,
      file_type: 'still_web',
      file_category: 'stills',
    })
    if (status === 'completed') await repo.completeSession(id)
    if (status === 'failed') await repo.failSession(id, 'boom')
    if (status === 'paused') await repo.pauseSession(id)
    const k = store.db.kysely
    await k
      .updateTable('processing_state')
      .set({ updated_at: daysAgo(age) })
      .where('session_id', '=', id)
      .execute()
    await k
      .updateTable('operation_log')
      .set({ timestamp: daysAgo(age) })
      .where('session_id', '=', id)
      .execute()
  }

  const addHistory = async (id: string, age: number) => {
    await repo.recordProjectHistory({
      session_id: id,
      completed_at: daysAgo(age),
      total_files_created: 3,
    })
  }

  beforeEach(async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    repo = store.repo
  })
  afterEach(() => store.close())

  it('cleanup removes old incomplete sessions with their logs and files, keeping those history needs', async () => {
    await addSession('recent-failed', 'failed', 3)
    await addSession('old-failed', 'failed', 40)
    await addSession('old-paused', 'paused', 45)
    await addSession('old-failed-with-history', 'failed', 50)
    await addHistory('old-failed-with-history', 50)
    await addSession('old-completed', 'completed', 60)

    const dry = await repo.cleanupSessions({ dryRun: true })
    expect(dry).toMatchObject({
      task: 'cleanup',
      dry_run: true,
      older_than_days: 30,
      counts: { sessions: 2, operation_logs: 2, files: 2, kept_with_history: 1 },
    })
    expect(await count('processing_state')).toBe(5)

    const done = await repo.cleanupSessions()
    expect(done.counts.sessions).toBe(2)
    const left = await store.db.query<{ session_id: string }>(
      'SELECT session_id FROM processing_state ORDER BY session_id',
    )
    expect(left.map((r) => r.session_id)).toEqual([
      'old-completed',
      'old-failed-with-history',
      'recent-failed',
    ])
    expect(await count('operation_log')).toBe(3)
    expect(await count('file_registry')).toBe(3)

    expect((await repo.cleanupSessions({ olderThanDays: 1 })).counts.sessions).toBe(1)
    await expect(repo.cleanupSessions({ olderThanDays: -1 })).rejects.toMatchObject({
      field: 'older_than_days',
    })
  })

  it('archives old history exactly once: run twice, nothing doubled, nothing lost', async () => {
    for (const [id, age] of [
      ['h1', 10],
      ['h2', 95],
      ['h3', 200],
      ['h4', 120],
    ] as const) {
      await addSession(id, 'completed', age)
      await addHistory(id, age)
    }
    const before = await store.db.query('SELECT * FROM project_history ORDER BY id')
    expect((await repo.archiveHistory({ dryRun: true })).counts.archived).toBe(3)
    expect(await count('project_history_archive')).toBe(0)

    expect((await repo.archiveHistory()).counts.archived).toBe(3)
    expect((await repo.archiveHistory()).counts.archived).toBe(0)
    expect(await count('project_history')).toBe(1)
    const after = await store.db.query(
      'SELECT * FROM project_history UNION ALL SELECT * FROM project_history_archive ORDER BY id',
    )
    expect(after).toEqual(before)
    expect((await repo.listArchivedHistory()).items.map((h) => h.session_id)).toEqual([
      'h4',
      'h3',
      'h2',
    ])

    expect((await repo.archiveHistory({ olderThanDays: 5 })).counts.archived).toBe(1)
    expect(await count('project_history_archive')).toBe(4)
  })

  it('archiving is one transaction: a failure midway loses and doubles nothing', async () => {
    for (const [id, age] of [
      ['h1', 100],
      ['h2', 150],
    ] as const) {
      await addSession(id, 'completed', age)
      await addHistory(id, age)
    }
    // A copy the seed's INSERT left behind when run on its own: it must not be archived twice.
    await store.db.query(
      "INSERT INTO project_history_archive SELECT * FROM project_history WHERE session_id = 'h1'",
    )
    // Make the DELETE fail after the INSERT has run, inside the same transaction.
    for (const statement of store.db.dialect.trigger({
      name: 'fail_history_delete',
      table: 'project_history',
      timing: 'AFTER',
      event: 'DELETE',
      body: ['UPDATE project_history_archive SET session_id = NULL WHERE id = OLD.id'],
    })) {
      await store.db.query(statement)
    }
    await expect(repo.archiveHistory()).rejects.toThrow()
    expect(await count('project_history')).toBe(2)
    expect(await count('project_history_archive')).toBe(1)

    for (const statement of store.db.dialect.dropTrigger(
      'fail_history_delete',
      'project_history',
    )) {
      await store.db.query(statement)
    }
    const report = await repo.archiveHistory()
    expect(report.counts).toEqual({ archived: 2, already_in_archive: 1 })
    expect(await count('project_history')).toBe(0)
    expect(await count('project_history_archive')).toBe(2)
  })

  it('purges old logs but keeps those of open sessions, which resuming reads', async () => {
    await addSession('done', 'completed', 40)
    await addSession('paused', 'paused', 2)
    await store.db.kysely
      .updateTable('operation_log')
      .set({ timestamp: daysAgo(40) })
      .execute()
    const dry = await repo.purgeLogs({ dryRun: true })
    expect(dry.counts).toEqual({ operation_logs: 1, kept_for_open_sessions: 1 })
    expect(await count('operation_log')).toBe(2)
    await repo.purgeLogs()
    const left = await store.db.query<{ session_id: string }>(
      'SELECT session_id FROM operation_log',
    )
    expect(left.map((r) => r.session_id)).toEqual(['paused'])
    expect((await repo.getResumableSession())!.completed).toHaveLength(1)
  })

  it('resets usage statistics, all or those unused for a while', async () => {
    const base = { stills_hq_settings: {}, stills_web_settings: {}, video_settings: {} }
    await repo.createPreset({ ...base, preset_id: 'a', preset_name: 'A' })
    await repo.createPreset({ ...base, preset_id: 'b', preset_name: 'B' })
    for (const id of ['a', 'b', 'b']) {
      await repo.startSession({
        artwork_name: 'X',
        project_date: '24-01-01',
        master_path: '/m',
        output_path: '/o',
        preset_id: id,
        operations: PLAN,
      })
    }
    await store.db.kysely
      .updateTable('user_presets')
      .set({ last_used_at: daysAgo(20) })
      .where('preset_id', '=', 'a')
      .execute()
    const partial = await repo.resetUsage({ olderThanDays: 10 })
    expect(partial.counts.presets).toBe(1)
    expect((await repo.listPresets()).map((p) => [p.preset_id, p.usage_count])).toEqual([
      ['b', 2],
      ['a', 0],
    ])
    expect((await repo.resetUsage({ dryRun: true })).counts.presets).toBe(2)
    expect((await repo.getPreset('b')).usage_count).toBe(2)
    await repo.resetUsage()
    expect((await repo.getPreset('b')).usage_count).toBe(0)
    expect((await repo.getPreset('b')).last_used_at).toBeNull()
  })
})
