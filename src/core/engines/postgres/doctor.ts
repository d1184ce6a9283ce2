import { randomBytes } from 'node:crypto'
import { isBoundedScan, type EngineDoctor } from '../engine.js'
import { dropPostgres } from './connection.js'
import { parsePostgresLocation, type PostgresLocation } from './location.js'

/**
 * postgresDoctor checks that every index and foreign key of the store's schema is valid, and
 * reads plans with EXPLAIN (FORMAT JSON) with sequential scans priced out.
 */
export const postgresDoctor: EngineDoctor<PostgresLocation> = {
  async integrity(db) {
    const invalid = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT i.indisvalid`,
      [db.schema],
    )
    const unvalidated = await db.query<{ name: string }>(
      `SELECT con.conname AS name FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
       WHERE n.nspname = $1 AND con.contype = 'f' AND NOT con.convalidated`,
      [db.schema],
    )
    return [
      invalid.length === 0
        ? { name: 'integrity', status: 'ok', message: 'every index valid' }
        : {
            name: 'integrity',
            status: 'error',
            message: `invalid indexes: ${invalid.map((r) => r.name).join(', ')}; REINDEX them`,
          },
      unvalidated.length === 0
        ? { name: 'foreign keys', status: 'ok', message: 'every foreign key validated' }
        : {
            name: 'foreign keys',
            status: 'error',
            message: `not validated: ${unvalidated.map((r) => r.name).join(', ')}`,
          },
    ]
  },
  async explain(db, statement) {
    // With sequential scans priced out, the planner still uses one only where no index can
    // serve the query: the plan then shows what the index set allows, not what a small table
    // makes cheapest.
    const rows = await db.transaction(async (trx) => {
      await db.query('SET LOCAL enable_seqscan = off', [], trx)
      return db.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) ${statement.sql}`,
        statement.parameters,
        trx,
      )
    })
    const raw = rows[0]?.['QUERY PLAN']
    const root = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PgPlanNode }[]
    const nodes: PgPlanNode[] = []
    const walk = (node: PgPlanNode) => {
      nodes.push(node)
      node.Plans?.forEach(walk)
    }
    walk(root[0]!.Plan)
    const plan = nodes.map(
      (n) =>
        `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}${n['Index Cond'] ? ` (${n['Index Cond']})` : ''}${n.Filter ? ` filter ${n.Filter}` : ''}`,
    )
    const sorts = nodes.some((n) => n['Node Type'] === 'Sort')
    const scanned = isBoundedScan(statement.sql, sorts)
      ? []
      : nodes.flatMap((n) => {
          const whole =
            n['Node Type'] === 'Seq Scan' ||
            (/Index( Only)? Scan/.test(n['Node Type']) && !n['Index Cond'] && Boolean(n.Filter))
          return whole && n['Relation Name'] ? [n['Relation Name']] : []
        })
    return { plan, scanned }
  },
  // A temporary schema beside the store's, on the same server, dropped afterwards.
  scratch(location) {
    const url = new URL(location.text)
    url.searchParams.delete('options')
    const schema = `genmedia_doctor_${randomBytes(4).toString('hex')}`
    url.searchParams.set('schema', schema)
    const scratch = url.toString()
    return {
      location: scratch,
      schema,
      dispose: () => dropPostgres(parsePostgresLocation(scratch)!, schema),
    }
  },
}

interface PgPlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Filter?: string
  Plans?: PgPlanNode[]
}
