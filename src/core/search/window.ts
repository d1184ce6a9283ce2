import { sql, type AliasedRawBuilder, type RawBuilder, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../database.js'
import type { SearchNarrowing } from '../dialect.js'

/** Keys a first scan by key reads, newest first, where the index cannot hand matches out so. */
const SCAN_SPAN = 4096

/**
 * What finding one match through an index that returns every match at once costs, in rows read
 * in key order: a random read of the row to check and rank it, against a sequential one.
 */
const INDEX_MATCH_COST = 8

/** What newestMatches reads from: a list's rows, narrowed by a search or not. */
export interface MatchSource {
  /** The list's select of `table` alone, with its filter. */
  base: SelectQueryBuilder<any, any, any>
  /** The search narrowing `base`, if any. */
  narrowed?: SearchNarrowing
  table: string
  /** The table's integer key (the index's key where narrowed). */
  key: RawBuilder<number>
}

/**
 * newestMatches selects `select` of the newest `size` rows of `source` (by key, newest first),
 * below the key `below` when given. A list not narrowed, or narrowed by an index that hands out
 * matches in key order (SQLite's FTS5), is one query that stops at `size`. An index that returns
 * every match at once (PostgreSQL's GIN) would make "the newest 500 of 100,000 matches" read
 * all 100,000, and the planner cannot tell a common phrase from a rare one; so the newest keys are
 * scanned first, span by span, and the rows below go to the index only once the matches seen so
 * far say they are few enough that re-checking each is cheaper than scanning on.
 */
export async function newestMatches(
  db: Database<any>,
  source: MatchSource,
  select: readonly AliasedRawBuilder<unknown, string>[],
  below: number | undefined,
  size: number,
): Promise<Record<string, unknown>[]> {
  const { narrowed, key } = source
  const newest = (query: SelectQueryBuilder<any, any, any>, under: number | undefined, n: number) =>
    query
      .clearSelect()
      .select(select)
      .$if(under !== undefined, (q) => q.where(sql<boolean>`${key} < ${under}`))
      .orderBy(key, 'desc')
      .limit(n)
      .execute() as Promise<Record<string, unknown>[]>
  if (!narrowed) return newest(source.base, below, size)
  if (narrowed.keyOrdered) return newest(narrowed.query, below, size)

  const [bounds] = (await db.kysely
    .selectFrom(source.table)
    .select([sql<number>`min(${key})`.as('low'), sql<number>`max(${key})`.as('high')])
    .execute()) as { low: unknown; high: unknown }[]
  if (bounds?.low === null || bounds?.low === undefined) return []
  const low = Number(bounds.low)
  const top = below ?? Number(bounds.high) + 1
  const found: Record<string, unknown>[] = []
  let high = top
  let span = SCAN_SPAN
  while (found.length < size && high > low) {
    const from = Math.max(low, high - span)
    // OFFSET 0 keeps the match condition out of the scan: the rows of the span are read by key,
    // and only they are checked.
    const spanRows = source.base
      .where(sql<boolean>`${key} >= ${from}`)
      .where(sql<boolean>`${key} < ${high}`)
      .offset(0)
    found.push(
      ...((await db.kysely
        .selectFrom(spanRows.as(source.table))
        .where(narrowed.match)
        .select(select)
        .orderBy(key, 'desc')
        .limit(size - found.length)
        .execute()) as Record<string, unknown>[]),
    )
    high = from
    const need = size - found.length
    if (need === 0 || high <= low) break
    const density = found.length / (top - high)
    const byIndex = density * (high - low) * INDEX_MATCH_COST
    const byScan = density > 0 ? need / density : Infinity
    if (byIndex <= byScan) {
      found.push(...(await newest(narrowed.query, high, need)))
      break
    }
    span = Math.max(SCAN_SPAN, Math.ceil(byScan * 1.25))
  }
  return found
}
