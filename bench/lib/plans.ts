import type { CapturedQuery, Database } from '../../src/core/index.js'
import { toSqliteValue } from '../../src/core/engines/sqlite/connection.js'

/** What the plans of the statements one named query sends say. */
export interface PlanSummary {
  /** Some statement reads through an index (or the primary key). */
  usesIndex: boolean
  /** Tables read from start to end without an index. */
  fullScans: string[]
  /** A temporary B-tree sorts the rows (SQLite) / an explicit Sort node (PostgreSQL). */
  sorts: boolean
  /** The plans, one line per step, for the appendix. */
  lines: string[]
}

/** explainQueries EXPLAINs every captured statement on its engine and merges the findings. */
export async function explainQueries(
  db: Database,
  queries: readonly CapturedQuery[],
): Promise<PlanSummary> {
  const summary: PlanSummary = { usesIndex: false, fullScans: [], sorts: false, lines: [] }
  for (const query of queries) {
    if (db.sqliteHandle) explainSqlite(db, query, summary)
    else await explainPostgres(db, query, summary)
  }
  summary.fullScans = [...new Set(summary.fullScans)]
  return summary
}

function explainSqlite(db: Database, query: CapturedQuery, summary: PlanSummary): void {
  const rows = db
    .sqliteHandle!.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
    .all(query.parameters.map(toSqliteValue)) as { detail: string }[]
  // `SCAN t` of a statement that has a LIMIT and sorts nothing walks the table in rowid order and
  // stops at the limit (a newest-first page by id): not a full scan.
  const stopsEarly =
    /\blimit\b/i.test(query.sql) && !rows.some((r) => r.detail.includes('TEMP B-TREE'))
  for (const { detail } of rows) {
    summary.lines.push(detail)
    if (/USING (COVERING )?INDEX|USING (INTEGER )?PRIMARY KEY|USING ROWID/.test(detail)) {
      summary.usesIndex = true
    }
    const scan = /^SCAN (\w+)(?: AS \w+)?$/.exec(detail)
    if (scan && !stopsEarly) summary.fullScans.push(scan[1]!)
    if (scan && stopsEarly) summary.usesIndex = true
    if (detail.includes('TEMP B-TREE')) summary.sorts = true
  }
}

interface PgPlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  Plans?: PgPlanNode[]
}

async function explainPostgres(
  db: Database,
  query: CapturedQuery,
  summary: PlanSummary,
): Promise<void> {
  if (!/^\s*(select|with|update|delete|insert)/i.test(query.sql)) return
  const [row] = await db.query<{ 'QUERY PLAN': string | { Plan: PgPlanNode }[] }>(
    `EXPLAIN (FORMAT JSON) ${query.sql}`,
    query.parameters,
  )
  const raw = row?.['QUERY PLAN']
  const plans = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PgPlanNode }[]
  const walk = (node: PgPlanNode, depth: number) => {
    const on = node['Relation Name'] ? ` on ${node['Relation Name']}` : ''
    const using = node['Index Name'] ? ` using ${node['Index Name']}` : ''
    summary.lines.push(`${'  '.repeat(depth)}${node['Node Type']}${on}${using}`)
    if (/Index/.test(node['Node Type'])) summary.usesIndex = true
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
      summary.fullScans.push(node['Relation Name'])
    }
    if (/Sort/.test(node['Node Type'])) summary.sorts = true
    for (const child of node.Plans ?? []) walk(child, depth + 1)
  }
  const plan = plans?.[0]?.Plan
  if (plan) walk(plan, 0)
}
