import type { Database } from '../../database.js'
import type { EngineMaintenance } from '../engine.js'
import { quoteIdentifier } from './connection.js'

/** postgresSizeBytes is the total size of the schema's tables with their indexes and TOAST. */
export async function postgresSizeBytes(db: Database): Promise<number> {
  const [row] = await db.query<{ size: number | null }>(
    `SELECT sum(pg_total_relation_size(c.oid))::bigint AS size FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [db.schema],
  )
  return row?.size ?? 0
}

/**
 * postgresMaintenance runs REINDEX SCHEMA and VACUUM (ANALYZE) of the schema's tables; the
 * server checkpoints its own WAL.
 */
export const postgresMaintenance: EngineMaintenance = {
  async measureSizes(db) {
    return { databaseBytes: await db.sizeBytes(), walBytes: null }
  },

  async run(db, task, tasks) {
    const schema = quoteIdentifier(db.schema!)
    const tables = (
      await db.query<{ name: string }>(
        'SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1',
        [db.schema],
      )
    ).map((t) => `${schema}.${quoteIdentifier(t.name)}`)
    switch (task) {
      case 'reindex':
        await db.query(`REINDEX SCHEMA ${schema}`)
        return `REINDEX SCHEMA ${schema}`
      case 'vacuum': {
        // VACUUM cannot run inside a transaction: each runs on its own in autocommit.
        const statement = tasks.has('analyze') ? 'VACUUM (ANALYZE)' : 'VACUUM'
        for (const table of tables) await db.query(`${statement} ${table}`)
        return `${statement} of ${tables.length} tables`
      }
      case 'analyze':
        if (tasks.has('vacuum')) return 'done by VACUUM (ANALYZE)'
        for (const table of tables) await db.query(`ANALYZE ${table}`)
        return `ANALYZE of ${tables.length} tables`
      case 'checkpoint':
        return 'not applicable: the PostgreSQL server checkpoints its own WAL'
    }
  },

  async finish() {
    return undefined
  },
}
