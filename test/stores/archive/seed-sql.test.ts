import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore, seedStore, type OpenStore } from '../../../src/core/index.js'
import { archiveStore, type ArchiveRepository } from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'

/**
 * Every SQL statement seed 003 shows outside its DDL, as its text. `postgres: false` marks the
 * ones PostgreSQL rejects (see docs/seed-deviations/archive.md). The seed's Python passes
 * parameters with `?`; on PostgreSQL they become $1, $2, ….
 */
const SEED = {
  resume: `SELECT
            ps.*,
            COUNT(ol.id) as completed_operations_verified,
            MAX(ol.timestamp) as last_operation_time
        FROM processing_state ps
        LEFT JOIN operation_log ol ON ps.session_id = ol.session_id
        WHERE ps.status IN ('processing', 'paused')
            AND ps.updated_at > datetime('now', '-7 days')
        GROUP BY ps.session_id
        ORDER BY ps.updated_at DESC
        LIMIT 1`,
  saveState: `UPDATE processing_state
            SET current_operation = ?,
                completed_operations = ?,
                operation_details = ?
            WHERE session_id = ?`,
  logOperation: `INSERT INTO operation_log
            (session_id, operation_type, operation_name, status, progress)
            VALUES (?, ?, ?, ?, ?)`,
  presets: `SELECT
            preset_id,
            preset_name,
            is_default,
            description,
            usage_count,
            last_used_at
        FROM user_presets
        ORDER BY is_default DESC, usage_count DESC`,
  cleanup: `DELETE FROM processing_state
WHERE status != 'completed'
    AND updated_at < datetime('now', '-30 days')`,
  archiveInsert: `INSERT INTO project_history_archive
SELECT * FROM project_history
WHERE completed_at < datetime('now', '-90 days')`,
  archiveDelete: `DELETE FROM project_history
WHERE completed_at < datetime('now', '-90 days')`,
  resetUsage: 'UPDATE user_presets SET usage_count = 0, last_used_at = NULL',
  purgeLogs: `DELETE FROM operation_log
WHERE timestamp < datetime('now', '-30 days')`,
  version: "SELECT value FROM app_settings WHERE key = 'db_version'",
}

const count = async (store: OpenStore<ArchiveRepository>, sql: string) =>
  Number((await store.db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${sql}`))[0]!.n)

describe.each(ENGINES)('seed 003 statements run verbatim on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ArchiveRepository>
  const params = (sql: string) => {
    let i = 0
    return sql.replace(/\?/g, () => store.db.dialect.parameter(++i))
  }

  // One sample store for the file; the tests run in order, reading before they delete.
  beforeAll(async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    await seedStore(store)
  })
  afterAll(() => store.close())

  it('the version check and the views', async () => {
    expect((await store.db.query<{ value: string }>(SEED.version))[0]!.value).toBe('3.0')
    const active = await store.db.query<{ progress_percent: number }>(
      'SELECT * FROM active_sessions',
    )
    expect(active.map((a) => a.progress_percent)).toEqual([50, 66.7, 50])
    const [stats] = await store.db.query<{ total_projects: unknown }>(
      'SELECT * FROM project_statistics',
    )
    expect(Number(stats!.total_projects)).toBe(5)
  })

  it('save_state: the UPDATE and the INSERT without sequence_number, numbered for the caller', async () => {
    const before = await store.repo.getResumableSession()
    const sid = before!.session.session_id
    await store.db.transaction(async (trx) => {
      await store.db.query(
        params(SEED.saveState),
        ['extract_stills_web', 4, '{"step":4}', sid],
        trx,
      )
      await store.db.query(
        params(SEED.logOperation),
        [sid, 'still_extraction', 'extract_stills_web', 'completed', 1.0],
        trx,
      )
    })
    const log = (await store.repo.listOperations(sid)).items
    expect(log.map((e) => e.sequence_number)).toEqual(log.map((_, i) => i + 1))
    expect(log.at(-1)).toMatchObject({ operation_name: 'extract_stills_web', status: 'completed' })
    const after = await store.repo.getResumableSession()
    expect(after!.completed.map((e) => e.operation_name)).toContain('extract_stills_web')
    expect(after!.session.operation_details).toEqual({ step: 4 })
  })

  it('the resume query (SQLite; PostgreSQL needs it grouped by the primary key)', async () => {
    if (engine.name !== 'sqlite') {
      await expect(store.db.query(SEED.resume)).rejects.toThrow(/GROUP BY/)
      return
    }
    const [row] = await store.db.query<{
      session_id: string
      completed_operations_verified: number
    }>(SEED.resume)
    const resumable = await store.repo.getResumableSession()
    expect(row!.session_id).toBe(resumable!.session.session_id)
    expect(row!.completed_operations_verified).toBe(resumable!.completed_operations_verified)
  })

  it('Load User Presets, and the method that runs it', async () => {
    const rows = await store.db.query<{ preset_id: string }>(SEED.presets)
    expect(rows.length).toBe(3)
    expect((await store.repo.listPresets()).map((p) => p.preset_id)).toEqual(
      rows.map((r) => r.preset_id),
    )
  })

  it('cleanup deletes old incomplete sessions with their log and files (ON DELETE CASCADE)', async () => {
    const old =
      "processing_state WHERE status != 'completed' AND updated_at < datetime('now', '-30 days')"
    expect(await count(store, old)).toBe(2)
    const logs = await count(store, 'operation_log')
    await store.db.query(SEED.cleanup)
    expect(await count(store, old)).toBe(0)
    expect(await count(store, 'operation_log')).toBeLessThan(logs)
    expect(
      await count(
        store,
        'operation_log WHERE session_id NOT IN (SELECT session_id FROM processing_state)',
      ),
    ).toBe(0)
    expect(
      await count(
        store,
        'file_registry WHERE session_id NOT IN (SELECT session_id FROM processing_state)',
      ),
    ).toBe(0)
  })

  it('archiving: INSERT … SELECT * into project_history_archive, then DELETE', async () => {
    const history = await count(store, 'project_history')
    await store.db.transaction(async (trx) => {
      await store.db.query(SEED.archiveInsert, [], trx)
      await store.db.query(SEED.archiveDelete, [], trx)
    })
    expect(await count(store, 'project_history_archive')).toBe(3)
    expect(await count(store, 'project_history')).toBe(history - 3)
  })

  it('statistics reset and log purge', async () => {
    await store.db.query(SEED.resetUsage)
    expect(
      await count(store, 'user_presets WHERE usage_count != 0 OR last_used_at IS NOT NULL'),
    ).toBe(0)
    await store.db.query(SEED.purgeLogs)
    expect(await count(store, "operation_log WHERE timestamp < datetime('now', '-30 days')")).toBe(
      0,
    )
  })

  it('database optimisation: VACUUM and ANALYZE (and REINDEX on SQLite)', async () => {
    await store.db.query('VACUUM')
    await store.db.query('ANALYZE')
    if (engine.name === 'sqlite') await store.db.query('REINDEX')
  })
})
