import type { Kysely, SelectQueryBuilder } from 'kysely'
import { z } from 'zod'
import type { Database } from './database.js'
import { paginate, type KeysetOptions, type Page, type PageRequest } from './pagination.js'
import type { SearchDefinition, TableSearch } from './search/define.js'
import { searchPage, type ListOptions, type ListPage } from './search/list.js'
import type { Columns, RowOf, Table } from './table.js'
import { parseInput } from './validate.js'

type Select = SelectQueryBuilder<any, any, any>

/**
 * FilterField is one field of a list's filter: what the repository accepts (`input`), what the
 * HTTP query string gives for it (`query`: coerced from text where the value is not text), and
 * how a given value narrows the list's select.
 */
export interface FilterField<I extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly query: z.ZodType
  apply(q: Select, value: NonNullable<z.output<I>>, db: Database<any>): Select
}

/**
 * filterOn declares filter fields. `input` is the value as the repository takes it; `query`, as
 * a query string gives it, when that differs (a number or boolean read from text).
 */
export const filterOn = {
  /** Rows whose `column` equals the value. */
  equal: <I extends z.ZodType>(column: string, input: I, query: z.ZodType = input) =>
    field(input, query, (q, v) => q.where(column, '=', v)),
  /** Rows whose `column` is at least the value. */
  atLeast: <I extends z.ZodType>(column: string, input: I, query: z.ZodType = input) =>
    field(input, query, (q, v) => q.where(column, '>=', v)),
  /** Rows narrowed as `apply` says. */
  custom: field,
}

function field<I extends z.ZodType>(
  input: I,
  query: z.ZodType,
  apply: FilterField<I>['apply'],
): FilterField<I> {
  return { input, query, apply }
}

export type Fields = Record<string, FilterField>

/** What a filter of `Fs` accepts: every field optional. */
export type FieldValues<Fs extends Fields> = z.input<FilterSchema<Fs>>

/** The zod schema of a filter of `Fs`: a strict object of its fields' inputs, each optional. */
export type FilterSchema<Fs extends Fields> = z.ZodObject<
  { [K in keyof Fs]: z.ZodOptional<Fs[K]['input']> },
  z.core.$strict
>

/** FilterOf is what the declared list `L` accepts as its filter. */
export type FilterOf<L> = L extends List<any, infer Fs> ? FieldValues<Fs> : never

/**
 * List is a keyset-paginated list declared once: its table, its order, its filter's fields and
 * whether full-text search narrows it. From it come the repository's filter schema, the HTTP
 * query and response schemas, and the page itself.
 */
export interface List<Cs extends Columns, Fs extends Fields> {
  readonly table: Table<Cs>
  /** What the repository accepts as the filter (strict: unknown fields are refused). */
  readonly filter: FilterSchema<Fs>
  /** The filter as a query string gives it, without the page. */
  readonly filterQuery: z.ZodObject
  readonly search: SearchDefinition | undefined
  /**
   * page returns one page of the list: `filter` checked and applied after `scope` (what the
   * list is of: a user's rows, a session's), sorted by the declared keyset, searched and
   * counted by `options` when the list is searchable.
   */
  page(
    db: Database<any>,
    filter: FieldValues<Fs> | undefined,
    page: PageRequest,
    options?: ListOptions,
    scope?: (q: Select) => Select,
  ): Promise<ListPage<RowOf<Cs>>>
  /** reader is the list as a repository's method on `db`: `(filter, page)`, both optional. */
  reader(
    db: Database<any>,
  ): (filter?: FieldValues<Fs>, page?: PageRequest) => Promise<Page<RowOf<Cs>>>
}

/** SearchableList is a List that full-text search narrows (declared with `search`). */
export interface SearchableList<Cs extends Columns, Fs extends Fields> extends List<Cs, Fs> {
  readonly search: SearchDefinition
  /** reader is the list as a repository's method: `(filter, page, { q, facets })`. */
  reader(
    db: Database<any>,
  ): (
    filter?: FieldValues<Fs>,
    page?: PageRequest,
    options?: ListOptions,
  ) => Promise<ListPage<RowOf<Cs>>>
  /**
   * searcher is the list's search as a repository's method: `(q, filter, page, facets)`, the
   * matches best first (see docs/search.md).
   */
  searcher(
    db: Database<any>,
  ): (
    q: string,
    filter?: FieldValues<Fs>,
    page?: PageRequest,
    facets?: readonly string[],
  ) => Promise<ListPage<RowOf<Cs>>>
}

/** What `defineList` declares besides the rows listed. */
interface ListSpec<Fs extends Fields> {
  order: Pick<KeysetOptions, 'sortColumn' | 'direction' | 'idColumn'>
  filter?: Fs
}

/**
 * defineList declares a list of `table`'s rows, or of the table `search` searches (a
 * searchable list), in `order` (ties by the key), filtered by `filter`'s fields (a field left
 * out, null or empty lets every row through).
 */
export function defineList<Cs extends Columns, const Fs extends Fields = Record<never, never>>(
  spec: ListSpec<Fs> & { search: TableSearch<Cs> },
): SearchableList<Cs, Fs>
export function defineList<Cs extends Columns, const Fs extends Fields = Record<never, never>>(
  spec: ListSpec<Fs> & { table: Table<Cs> },
): List<Cs, Fs>
export function defineList<Cs extends Columns, const Fs extends Fields>(
  spec: ListSpec<Fs> & { table?: Table<Cs>; search?: TableSearch<Cs> },
): SearchableList<Cs, Fs> {
  const table = spec.search?.rows ?? spec.table!
  const fields = Object.entries(spec.filter ?? {})
  const filter = z.strictObject(
    Object.fromEntries(fields.map(([name, f]) => [name, f.input.optional()])),
  ) as unknown as FilterSchema<Fs>
  const filterQuery = z.object(
    Object.fromEntries(fields.map(([name, f]) => [name, f.query.optional()])),
  )
  const list: SearchableList<Cs, Fs> = {
    table,
    filter,
    filterQuery,
    search: spec.search!,
    async page(db, given, page, options = {}, scope = (q) => q) {
      const values = parseInput(filter, given ?? {}) as Record<string, unknown>
      let q = scope((db.kysely as Kysely<any>).selectFrom(table.name).selectAll())
      for (const [name, f] of fields) {
        const value = values[name]
        if (value !== undefined && value !== null && value !== '') q = f.apply(q, value, db)
      }
      const keyset = { ...spec.order, ...page }
      if (!spec.search) return paginate(q, keyset, table)
      return searchPage(db, q, { ...options, search: spec.search, rows: table, keyset })
    },
    reader: (db) => (given, page, options) => list.page(db, given, page ?? {}, options),
    searcher: (db) => (q, given, page, facets) => list.page(db, given, page ?? {}, { q, facets }),
  }
  return list
}
