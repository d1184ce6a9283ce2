import type { Migration } from '../migrator.js'
import type { Columns, Table } from '../table.js'

/**
 * SearchDefinition says what of one table full-text search reads: the table, its integer key,
 * the text columns a user remembers (`columns`, JSON arrays of strings included) and the columns
 * a list may count by value (`facets`: enum or text columns). The engine builds the index from it
 * (`SqlDialect.searchIndex`) and answers searches against it (`SqlDialect.searchMatches`).
 */
export interface SearchDefinition<Name extends string = string> {
  readonly table: Name
  /** The integer primary key the index points at. */
  readonly key: string
  readonly columns: readonly string[]
  readonly facets: readonly string[]
  /** The name of the search index (and its SQLite FTS5 table): `<table>_search`. */
  readonly index: string
}

/** TableSearch is a table's search as defineSearch declares it: with the table's declaration. */
export interface TableSearch<
  Cs extends Columns = Columns,
  Name extends string = string,
> extends SearchDefinition<Name> {
  /** The declaration of the table searched: its columns, codec and response schema. */
  readonly rows: Table<Cs, Name>
}

/**
 * The column a search migration may add to a searchable table for the engine's own use
 * (PostgreSQL's stored tsvector): never declared, never read by a store; the declaration check
 * passes over it.
 */
export const SEARCH_VECTOR = 'search_vector'

const FACET_KINDS = new Set(['enum', 'text'])
const SEARCH_KINDS = new Set(['enum', 'text', 'json'])

/**
 * defineSearch declares a table searchable, next to its table declaration: `columns` are read by
 * full-text search, `facets` may be counted by value beside a list. Throws at load time when a
 * column is not declared or of a kind that cannot be searched or counted.
 */
export function defineSearch<Cs extends Columns, Name extends string>(
  table: Table<Cs, Name>,
  spec: {
    columns: readonly (keyof Cs & string)[]
    facets?: readonly (keyof Cs & string)[]
  },
): TableSearch<Cs, Name> {
  const kindOf = (c: string) => table.columns[c]?.kind
  for (const c of spec.columns) {
    if (!SEARCH_KINDS.has(kindOf(c) ?? '')) {
      throw new Error(`${table.name}.${c} cannot be searched: it is ${kindOf(c) ?? 'not declared'}`)
    }
  }
  for (const c of spec.facets ?? []) {
    if (!FACET_KINDS.has(kindOf(c) ?? '')) {
      throw new Error(`${table.name}.${c} cannot be a facet: it is ${kindOf(c) ?? 'not declared'}`)
    }
  }
  return { ...searchIndexOf(table.name, spec.columns), facets: spec.facets ?? [], rows: table }
}

/**
 * searchIndexOf is the search index of `table`'s `columns`, by its key `id`: what defineSearch
 * declares and what a store's search migrations (searchMigrations) build.
 */
export function searchIndexOf<Name extends string>(
  table: Name,
  columns: readonly string[],
): SearchDefinition<Name> {
  return { table, key: 'id', columns, facets: [], index: `${table}_search` }
}

/** The two migrations of a store's search indexes, each at the version the store gives it. */
export interface SearchMigrations {
  /** Makes the search indexes (`full-text search of …`), and drops them, last first. */
  index(version: number): Migration
  /**
   * Makes searches read a stored index of their text (SqlDialect.storeSearchVector:
   * PostgreSQL's generated tsvector column; nothing on SQLite), and undoes it, last first
   * (`stored search vector of …`).
   */
  stored(version: number): Migration
}

/**
 * searchMigrations declares a store's search indexes once for its migrations: per table, the
 * columns searched, written out in the migration file itself (a migration's SQL never changes
 * once applied; changing them later is a new migration that drops and makes the index again),
 * the same as the store's defineSearch declares them. `what` names the migrations:
 * `searchMigrations('trending topics', { trending_topics: ['topic', 'category'] })`.
 */
export function searchMigrations(
  what: string,
  tables: Readonly<Record<string, readonly string[]>>,
): SearchMigrations {
  const indexes = Object.entries(tables).map(([table, columns]) => searchIndexOf(table, columns))
  const vectors = indexes.length > 1 ? 'vectors' : 'vector'
  return {
    index: (version) =>
      eachIndex(version, `full-text search of ${what}`, indexes, 'searchIndex', 'dropSearchIndex'),
    stored: (version) =>
      eachIndex(
        version,
        `stored search ${vectors} of ${what}`,
        indexes,
        'storeSearchVector',
        'dropStoredSearchVector',
      ),
  }
}

type IndexStep = 'searchIndex' | 'dropSearchIndex' | 'storeSearchVector' | 'dropStoredSearchVector'

/** A migration running the dialect's `up` for each index, and its `down` for each, last first. */
function eachIndex(
  version: number,
  name: string,
  indexes: readonly SearchDefinition[],
  up: IndexStep,
  down: IndexStep,
): Migration {
  return {
    version,
    name,
    up: (d) => indexes.flatMap((index) => d[up](index)),
    down: (d) => [...indexes].reverse().flatMap((index) => d[down](index)),
  }
}
