import type { Database } from '../src/core/index.js'

/** explain returns the engine's plan of `text` as lines of text. */
export async function explain(db: Database, text: string, parameters: unknown[]): Promise<string> {
  const sqlite = db.dialect.name === 'sqlite'
  const rows = await db.query<Record<string, string>>(
    `${sqlite ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${text}`,
    parameters,
  )
  return rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n')
}

/** planOfCall returns the engine's plan of the one statement `call` sends (a repository's read). */
export async function planOfCall(db: Database, call: () => Promise<unknown>): Promise<string> {
  const { queries } = await db.captureQueries(call)
  if (queries.length !== 1) throw new Error(`expected one statement, got ${queries.length}`)
  return explain(db, queries[0]!.sql, [...queries[0]!.parameters])
}
