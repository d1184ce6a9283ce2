import type { Database } from '../database.js'
import { ValidationError } from '../errors.js'
import type { StoreDefinition } from '../store.js'
import { searchPage, type ListPage } from './list.js'

/** What searchStore finds in one table. */
export interface TableMatches {
  table: string
  items: ListPage<Record<string, unknown>>['items']
  next: string | null
}

/**
 * searchStore runs one search over every searchable table of a store (or the one named by
 * `options.table`), best match first, `options.limit` rows per table. `options.userId` keeps
 * only that user's rows in tables that have a `user_id` column. For `genmedia search`: an
 * operator's view of a whole store.
 */
export async function searchStore(
  db: Database<any>,
  definition: StoreDefinition<any>,
  q: string,
  options: { table?: string; limit?: number; userId?: number } = {},
): Promise<TableMatches[]> {
  if (q.trim() === '') throw new ValidationError('q must not be empty', 'q')
  const searches = Object.values(definition.search ?? {})
  if (searches.length === 0) {
    throw new ValidationError(`the ${definition.name} store has nothing to search`, 'store')
  }
  const chosen = options.table ? searches.filter((s) => s.table === options.table) : searches
  if (chosen.length === 0) {
    throw new ValidationError(
      `table ${options.table} of ${definition.name} is not searchable; one of ${searches.map((s) => s.table).join(', ')}`,
      'table',
    )
  }
  const out: TableMatches[] = []
  for (const search of chosen) {
    const { rows } = search
    let query = db.kysely.selectFrom(search.table).selectAll()
    if (options.userId !== undefined && 'user_id' in rows.columns) {
      query = query.where('user_id', '=', options.userId)
    }
    const page = await searchPage(db, query, {
      q,
      search,
      rows,
      keyset: { sortColumn: search.key, direction: 'desc', limit: options.limit },
    })
    out.push({ table: search.table, items: page.items, next: page.next })
  }
  return out
}
