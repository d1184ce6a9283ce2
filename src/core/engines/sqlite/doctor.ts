import { isBoundedScan, type EngineDoctor } from '../engine.js'
import type { SqliteLocation } from './location.js'

/**
 * sqliteDoctor checks a SQLite store with `PRAGMA integrity_check` and `foreign_key_check`, and
 * reads plans with EXPLAIN QUERY PLAN.
 */
export const sqliteDoctor: EngineDoctor<SqliteLocation> = {
  async integrity(db) {
    const integrity = (await db.query<{ integrity_check: string }>('PRAGMA integrity_check')).map(
      (r) => r.integrity_check,
    )
    const keys = await db.query<{ table: string; parent: string }>('PRAGMA foreign_key_check')
    return [
      integrity.length === 1 && integrity[0] === 'ok'
        ? { name: 'integrity', status: 'ok', message: 'integrity_check ok' }
        : { name: 'integrity', status: 'error', message: integrity.slice(0, 5).join('; ') },
      keys.length === 0
        ? { name: 'foreign keys', status: 'ok', message: 'foreign_key_check ok' }
        : {
            name: 'foreign keys',
            status: 'error',
            message: `${keys.length} rows point to missing parents: ${[...new Set(keys.map((k) => `${k.table} → ${k.parent}`))].join(', ')}`,
          },
    ]
  },
  async explain(db, statement) {
    const rows = await db.query<{ detail: string }>(
      `EXPLAIN QUERY PLAN ${statement.sql}`,
      statement.parameters,
    )
    const plan = rows.map((r) => r.detail)
    // `USE TEMP B-TREE FOR LAST TERM OF ORDER BY` only orders ties; FOR ORDER BY sorts all.
    const sorts = plan.some((d) => /TEMP B-TREE FOR ORDER BY/.test(d))
    // SCAN reads a whole table, or walks a whole index in order (USING INDEX) filtering rows;
    // SEARCH uses an index to find rows.
    const scanned = isBoundedScan(statement.sql, sorts)
      ? []
      : plan.flatMap((d) => /^SCAN (\w+)\b/.exec(d)?.[1] ?? [])
    return { plan, scanned }
  },
  // The expected schema is built in memory; nothing is left to remove.
  scratch: (_location, schema) => ({
    location: ':memory:',
    schema,
    dispose: async () => undefined,
  }),
}
