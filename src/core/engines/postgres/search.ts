import { sql, type RawBuilder } from 'kysely'
import type { SearchDefinition } from '../../search/define.js'
import type { SearchTerm } from '../../search/query.js'
import type { SearchMatch } from '../../dialect.js'

// PostgreSQL's full-text search: a GIN index on a tsvector expression of the searchable columns
// (no extra column, so the table stays as declared), with the `simple` configuration (no
// stemming, no stop words: the same words match as on SQLite). Anything but letters and digits
// becomes a space first, so `img_0001.png` is the words img, 0001, png on both engines.

/** The tsvector expression the index holds and every search repeats verbatim. */
export function searchVector(def: SearchDefinition): string {
  const text = def.columns.map((c) => `coalesce(${c}::text, '')`).join(` || ' ' || `)
  return `to_tsvector('simple'::regconfig, lower(regexp_replace(${text}, '[^[:alnum:]]+', ' ', 'g')))`
}

/** The GIN index on searchVector. */
export function postgresSearchIndex(def: SearchDefinition): string[] {
  return [`CREATE INDEX ${def.index} ON ${def.table} USING GIN ((${searchVector(def)}))`]
}

/** Statements removing what postgresSearchIndex made. */
export function postgresDropSearchIndex(def: SearchDefinition): string[] {
  return [`DROP INDEX IF EXISTS ${def.index}`]
}

/**
 * The tsquery text of parsed terms: each word quoted (letters and digits only, so nothing in it
 * is syntax), the words of a phrase joined by `<->`, `:*` after a prefix, all terms joined by `&`.
 */
export function tsQuery(terms: readonly SearchTerm[]): string {
  return terms
    .map((t) =>
      t.words
        .map((w, i) => `'${w}'${t.prefix && i === t.words.length - 1 ? ':*' : ''}`)
        .join(' <-> '),
    )
    .join(' & ')
}

/** The matching keys and their rank (ts_rank, as double precision so cursors compare exactly). */
export function postgresSearchMatches(
  def: SearchDefinition,
  terms: readonly SearchTerm[],
): RawBuilder<SearchMatch> {
  const vector = sql.raw(searchVector(def))
  const query = sql`to_tsquery('simple'::regconfig, ${tsQuery(terms)})`
  return sql<SearchMatch>`(SELECT ${sql.ref(def.key)} AS search_id, ts_rank(${vector}, ${query})::double precision AS search_rank FROM ${sql.table(def.table)} WHERE ${vector} @@ ${query})`
}
