import { sql, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../database.js'
import { ValidationError } from '../errors.js'
import { checkCursor, paginate, type KeysetOptions, type Page } from '../pagination.js'
import type { Columns, RowDefinition, RowOf } from '../table.js'
import type { SearchDefinition } from './define.js'
import { parseSearchQuery } from './query.js'

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

/** A facet: its most frequent values (at most FACET_LIMIT), and whether there were more. */
export interface Facet {
  values: FacetValue[]
  truncated: boolean
}

/** A page of a list, with the facets it was asked for. */
export interface ListPage<T> extends Page<T> {
  facets?: Record<string, Facet>
}

const SEARCH = 'search_match'

/**
 * searchPage runs a list's filtered select as a keyset page, narrowed by full-text search when
 * `options.q` is given (then ranked, best first, ties newest key first, still keyset-paged), and
 * counts `options.facets` over every row the filter and search let through (not just the
 * page), as Datasette's `_facet` does. `query` must select `*` from `search.table` alone.
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
  let q = query
  let keyset = options.keyset
  const searching = options.q !== undefined && options.q !== ''
  if (searching) {
    const terms = parseSearchQuery(options.q!)
    q = q.innerJoin(db.dialect.searchMatches(search, terms, { ranked: true }).as(SEARCH), (join) =>
      join.onRef(`${SEARCH}.search_id`, '=', `${search.table}.${search.key}`),
    )
    keyset = {
      sortColumn: 'search_rank',
      direction: 'desc',
      idColumn: search.key,
      after: keyset.after,
      limit: keyset.limit,
    }
  }
  checkCursor(options.rows, keyset)
  const page = searching ? await rankedPage(db, q, search, keyset) : await paginate(q, keyset)
  const result: ListPage<RowOf<Cs>> = {
    items: options.rows.codec.decodeAll(page.items),
    next: page.next,
  }
  if (facets.length > 0) result.facets = await countFacets(q, facets)
  return result
}

/**
 * rankedPage pages the matches by (rank, key) carrying only the key and the rank through the
 * sort, then reads the page's rows by key: sorting every match's whole row cost five times more.
 */
async function rankedPage(
  db: Database<any>,
  query: SelectQueryBuilder<any, any, any>,
  search: SearchDefinition,
  keyset: KeysetOptions,
): Promise<Page<Record<string, unknown>>> {
  const keys = await paginate(
    query
      .clearSelect()
      .select([sql.ref(`${search.table}.${search.key}`).as(search.key), 'search_rank']),
    keyset,
  )
  const ids = keys.items.map((k) => k[search.key])
  if (ids.length === 0) return keys
  const rows = (await db.kysely
    .selectFrom(search.table)
    .selectAll()
    .where(search.key, 'in', ids)
    .execute()) as Record<string, unknown>[]
  const byKey = new Map(rows.map((r) => [r[search.key], r]))
  const items = ids.flatMap((id) => {
    const row = byKey.get(id)
    return row ? [row] : []
  })
  return { items, next: keys.next }
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
 * countFacets counts, per column, the rows of `query` (its filter and search, without order or
 * page) by value: the FACET_LIMIT most frequent values, ties by value, NULL last.
 */
export async function countFacets(
  query: SelectQueryBuilder<any, any, any>,
  columns: readonly string[],
): Promise<Record<string, Facet>> {
  const out: Record<string, Facet> = {}
  for (const column of columns) {
    const ref = sql.ref(column)
    const rows = (await query
      .clearSelect()
      .clearOrderBy()
      .clearLimit()
      .select([ref.as('value'), sql<number>`count(*)`.as('count')])
      .groupBy(ref)
      .orderBy(sql`count(*) desc`)
      .orderBy(sql`${ref} is null`)
      .orderBy(ref)
      .limit(FACET_LIMIT + 1)
      .execute()) as { value: unknown; count: unknown }[]
    out[column] = {
      values: rows.slice(0, FACET_LIMIT).map((r) => ({
        value: r.value === null ? null : String(r.value),
        count: Number(r.count),
      })),
      truncated: rows.length > FACET_LIMIT,
    }
  }
  return out
}
