import { sql, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../database.js'
import { ValidationError } from '../errors.js'
import {
  checkCursor,
  decodeCursor,
  encodeCursor,
  paginate,
  pageSize,
  type KeysetOptions,
  type Page,
} from '../pagination.js'
import type { Columns, RowDefinition, RowOf } from '../table.js'
import type { SearchDefinition } from './define.js'
import { parseSearchQuery, type SearchTerm } from './query.js'
import { rankWindow } from './rank.js'
import { newestMatches, type MatchSource } from './window.js'

/** How many values a facet lists, most frequent first; the rest are counted as truncated. */
export const FACET_LIMIT = 30

/** What a list may add to its filter: search text and the facets to count beside the page. */
export interface ListOptions {
  /** Full-text search (see parseSearchQuery): only matching rows, best match first. */
  q?: string
  /** Columns to count by value under the filter and `q` (the table's declared facets). */
  facets?: readonly string[]
}

/** One value of a facet and how many rows of the filtered list have it. */
export interface FacetValue {
  value: string | null
  count: number
}

/**
 * A facet: its most frequent values (at most FACET_LIMIT), whether there were more, and, when
 * the list holds more rows than facets count, how many of its newest rows were counted.
 */
export interface Facet {
  values: FacetValue[]
  truncated: boolean
  counted?: number
}

/** A page of a list, with the facets it was asked for. */
export interface ListPage<T> extends Page<T> {
  facets?: Record<string, Facet>
}

/**
 * How many matches, newest first, are ranked together: a search ranks the newest SEARCH_WINDOW
 * matches under the filter best first, then the next older SEARCH_WINDOW, and so on, so that a
 * page costs the same whether a word is in ten rows or in a million.
 */
export const SEARCH_WINDOW = 500

/**
 * How many rows, newest first, facets count: a list with more rows under its filter and search
 * gets the counts of its newest FACET_ROWS rows, marked with `counted`.
 */
export const FACET_ROWS = 20_000

/**
 * searchPage runs a list's filtered select as a keyset page, narrowed by full-text search when
 * `options.q` is given (then ranked, best first, window by window: see rankedPage), and counts
 * `options.facets` over the rows the filter and search let through (the newest FACET_ROWS of
 * them), as Datasette's `_facet` does. `query` must select `*` from `search.table` alone.
 */
export async function searchPage<Cs extends Columns>(
  db: Database<any>,
  query: SelectQueryBuilder<any, any, any>,
  options: ListOptions & {
    search: SearchDefinition
    rows: RowDefinition<Cs>
    keyset: KeysetOptions
  },
): Promise<ListPage<RowOf<Cs>>> {
  const { search } = options
  const facets = facetColumns(search, options.facets)
  const searching = options.q !== undefined && options.q !== ''
  const terms = searching ? parseSearchQuery(options.q!) : []
  const narrowed = searching ? db.dialect.narrowToMatches(query, search, terms) : undefined
  const source: MatchSource = {
    base: query,
    narrowed,
    table: search.table,
    key: narrowed?.key ?? sql<number>`${sql.ref(`${search.table}.${search.key}`)}`,
  }
  let page: Page<Record<string, unknown>>
  if (narrowed) {
    page = await rankedPage(db, source, terms, search, options.keyset)
  } else {
    checkCursor(options.rows, options.keyset)
    page = await paginate(query, options.keyset)
  }
  const result: ListPage<RowOf<Cs>> = {
    items: options.rows.codec.decodeAll(page.items),
    next: page.next,
  }
  if (facets.length > 0) {
    result.facets = await countFacets(db, source, facets)
  }
  return result
}

/** A match as rankedPage orders it: the window it was ranked in, its rank, its key. */
interface RankedMatch {
  /** The window's upper bound: the window is the newest SEARCH_WINDOW matches below it. */
  bound: number
  rank: number
  key: number
}

/**
 * rankedPage pages the matches best first within windows: the newest SEARCH_WINDOW matches
 * below a bound (the first window's bound is one past its newest key) are read with their
 * searched columns, ranked by rankWindow and sorted by rank, ties newest first;
 * when a window is used up, the next holds the SEARCH_WINDOW matches below its oldest key. The
 * cursor is `[bound, rank, key]` of the page's last row, so a later page ranks the same window
 * again and goes on after that row, whatever was written since. Then the page's rows are read
 * by key.
 */
async function rankedPage(
  db: Database<any>,
  source: MatchSource,
  terms: readonly SearchTerm[],
  search: SearchDefinition,
  keyset: KeysetOptions,
): Promise<Page<Record<string, unknown>>> {
  const limit = pageSize(keyset.limit)
  const cursor = keyset.after ? rankCursor(keyset.after) : undefined
  const picked: RankedMatch[] = []
  const text = search.columns.map((c) => sql.ref(`${search.table}.${c}`).as(c))
  let bound = cursor?.bound
  for (;;) {
    const below = bound
    const found = await newestMatches(
      db,
      source,
      [source.key.as('search_id'), ...text],
      below,
      SEARCH_WINDOW,
    )
    if (found.length === 0) break
    const windowBound = below ?? Number(found[0]!.search_id) + 1
    const ranks = rankWindow(found, search.columns, terms)
    const ranked = found
      .map((m, i) => ({ bound: windowBound, rank: ranks[i]!, key: Number(m.search_id) }))
      .sort((a, b) => b.rank - a.rank || b.key - a.key)
    for (const match of ranked.slice(resumeAt(ranked, windowBound, cursor))) {
      picked.push(match)
      if (picked.length > limit) break
    }
    if (picked.length > limit || found.length < SEARCH_WINDOW) break
    bound = Number(found[found.length - 1]!.search_id)
  }
  const matches = picked.slice(0, limit)
  const last = matches[matches.length - 1]
  const next =
    picked.length > limit && last ? encodeCursor([last.bound, last.rank, last.key]) : null
  if (matches.length === 0) return { items: [], next }
  const keys = matches.map((m) => m.key)
  const rows = (await db.kysely
    .selectFrom(search.table)
    .selectAll()
    .where(search.key, 'in', keys)
    .execute()) as Record<string, unknown>[]
  const byKey = new Map(rows.map((r) => [Number(r[search.key]), r]))
  const items = keys.flatMap((key) => {
    const row = byKey.get(key)
    return row ? [row] : []
  })
  return { items, next }
}

/**
 * Where a page goes on in a ranked window: after the cursor's row when the cursor is of this
 * window. The row is looked up by key, not by rank: SQLite's BM25 weighs a word by how many rows
 * hold it, so a row written since the last page shifts every rank a little; only when the row is
 * gone does its rank say where to go on (the first match ranked below it).
 */
function resumeAt(ranked: RankedMatch[], bound: number, cursor?: RankedMatch): number {
  if (!cursor || cursor.bound !== bound) return 0
  const at = ranked.findIndex((m) => m.key === cursor.key)
  if (at >= 0) return at + 1
  const below = ranked.findIndex(
    (m) => m.rank < cursor.rank || (m.rank === cursor.rank && m.key < cursor.key),
  )
  return below >= 0 ? below : ranked.length
}

/** The cursor of a searched list: `[bound, rank, key]`, all numbers; else ValidationError. */
function rankCursor(after: string): RankedMatch {
  const [bound, rank, key] = decodeCursor(after, 3)
  if (typeof bound !== 'number' || typeof rank !== 'number' || typeof key !== 'number') {
    throw new ValidationError('after is not a cursor returned by this list', 'after')
  }
  return { bound, rank, key }
}

/** facetColumns checks the asked facets against the declared ones: ValidationError('facets'). */
export function facetColumns(search: SearchDefinition, asked: readonly string[] = []): string[] {
  const unknown = asked.filter((c) => !search.facets.includes(c))
  if (unknown.length > 0) {
    throw new ValidationError(
      `facets: ${unknown.join(', ')} cannot be counted here; one of ${search.facets.join(', ') || '(none)'}`,
      'facets',
    )
  }
  return [...new Set(asked)]
}

/**
 * countFacets counts, per column, the rows of `source` (the list's filter and search) by value:
 * the FACET_LIMIT most frequent values, ties by value, NULL last. It counts the newest
 * FACET_ROWS rows by key, read once for every column; where there are more, every facet says how
 * many it counted (`counted`).
 */
export async function countFacets(
  db: Database<any>,
  source: MatchSource,
  columns: readonly string[],
): Promise<Record<string, Facet>> {
  const names = columns.map((_, i) => `facet_${i}`)
  const select = columns.map((c, i) => sql.ref(`${source.table}.${c}`).as(names[i]!))
  const rows = await newestMatches(db, source, select, undefined, FACET_ROWS + 1)
  // One row past FACET_ROWS was read to know whether there are more.
  const counted = rows.length > FACET_ROWS ? FACET_ROWS : undefined
  if (counted !== undefined) rows.length = FACET_ROWS
  const out: Record<string, Facet> = {}
  columns.forEach((column, i) => {
    const byValue = new Map<string | null, number>()
    for (const row of rows) {
      const raw = row[names[i]!]
      const value = raw === null || raw === undefined ? null : String(raw)
      byValue.set(value, (byValue.get(value) ?? 0) + 1)
    }
    const values = [...byValue]
      .map(([value, count]) => ({ value, count }))
      .sort(
        (a, b) =>
          b.count - a.count ||
          Number(a.value === null) - Number(b.value === null) ||
          (a.value! < b.value! ? -1 : a.value! > b.value! ? 1 : 0),
      )
    out[column] = {
      values: values.slice(0, FACET_LIMIT),
      truncated: values.length > FACET_LIMIT,
      ...(counted === undefined ? {} : { counted }),
    }
  })
  return out
}
