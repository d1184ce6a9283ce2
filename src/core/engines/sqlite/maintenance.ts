import { stat } from 'node:fs/promises'
import type { Database } from '../../database.js'
import type { EngineMaintenance } from '../engine.js'
import { sqliteFilePath } from './location.js'

/** sqliteSizeBytes is the database's size from its page count (without the WAL). */
export async function sqliteSizeBytes(db: Database): Promise<number> {
  const [row] = await db.query<{ size: number }>(
    'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
  )
  return row?.size ?? 0
}

/**
 * sqliteMaintenance runs the seeds' maintenance on a SQLite file: REINDEX, VACUUM, ANALYZE, a
 * WAL checkpoint (TRUNCATE), then `PRAGMA optimize`.
 */
export const sqliteMaintenance: EngineMaintenance = {
  async measureSizes(db) {
    const file = sqliteFilePath(db.location)
    const size = (path: string) =>
      stat(path).then(
        (s) => s.size,
        () => 0,
      )
    return { databaseBytes: await size(file), walBytes: await size(`${file}-wal`) }
  },

  async run(db, task) {
    switch (task) {
      case 'reindex':
        await db.query('REINDEX')
        return 'REINDEX'
      case 'vacuum':
        await db.query('VACUUM')
        return 'VACUUM'
      case 'analyze':
        await db.query('ANALYZE')
        return 'ANALYZE'
      case 'checkpoint': {
        const [row] = await db.query<{ busy: number; log: number; checkpointed: number }>(
          'PRAGMA wal_checkpoint(TRUNCATE)',
        )
        return `PRAGMA wal_checkpoint(TRUNCATE): ${row?.busy ? 'busy, partly done' : `${row?.checkpointed ?? 0} pages`}`
      }
    }
  },

  async finish(db) {
    // SQLite's advice for long-lived databases: refresh the statistics that went stale.
    await db.query('PRAGMA optimize')
    return 'PRAGMA optimize'
  },
}
