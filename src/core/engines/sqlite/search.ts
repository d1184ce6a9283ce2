import { sql, type SelectQueryBuilder } from 'kysely'
import type { SearchDefinition } from '../../search/define.js'
import type { SearchTerm } from '../../search/query.js'
import type { SearchNarrowing } from '../../dialect.js'

// SQLite's full-text search: an FTS5 table with external content (the indexed table itself, no
// second copy of the text), kept in step by triggers, so rows that other programs write with
// plain SQL are found too. unicode61 folds case and diacritics and splits on anything that is
// not a letter or digit, as parseSearchQuery does.

const list = (columns: readonly string[], prefix = '') =>
  columns.map((c) => `${prefix}${c}`).join(', ')

/** The FTS5 table, its three triggers, and a rebuild that indexes the rows already there. */
export function sqliteSearchIndex(def: SearchDefinition): string[] {
  const { index: fts, table, key, columns } = def
  const remove = `INSERT INTO ${fts}(${fts}, rowid, ${list(columns)}) VALUES ('delete', OLD.${key}, ${list(columns, 'OLD.')});`
  const add = `INSERT INTO ${fts}(rowid, ${list(columns)}) VALUES (NEW.${key}, ${list(columns, 'NEW.')});`
  return [
    `CREATE VIRTUAL TABLE ${fts} USING fts5(${list(columns)}, content='${table}', content_rowid='${key}', tokenize='unicode61 remove_diacritics 2')`,
    `CREATE TRIGGER ${fts}_insert AFTER INSERT ON ${table} FOR EACH ROW BEGIN ${add} END`,
    `CREATE TRIGGER ${fts}_delete AFTER DELETE ON ${table} FOR EACH ROW BEGIN ${remove} END`,
    `CREATE TRIGGER ${fts}_update AFTER UPDATE OF ${list([key, ...columns])} ON ${table} FOR EACH ROW BEGIN ${remove} ${add} END`,
    `INSERT INTO ${fts}(${fts}) VALUES ('rebuild')`,
  ]
}

/** Statements removing what sqliteSearchIndex made. */
export function sqliteDropSearchIndex(def: SearchDefinition): string[] {
  const fts = def.index
  return [
    `DROP TRIGGER IF EXISTS ${fts}_update`,
    `DROP TRIGGER IF EXISTS ${fts}_delete`,
    `DROP TRIGGER IF EXISTS ${fts}_insert`,
    `DROP TABLE IF EXISTS ${fts}`,
  ]
}

/**
 * The FTS5 query of parsed terms: each term a quoted phrase (its words are letters and digits
 * only, so nothing in them is syntax), `*` after a prefix, all terms required.
 */
export function fts5Query(terms: readonly SearchTerm[]): string {
  return terms.map((t) => `"${t.words.join(' ')}"${t.prefix ? ' *' : ''}`).join(' AND ')
}

/**
 * `query` joined to the FTS5 table's matches on its rowid. The matches are a derived table of
 * the rowid alone, so that the list's filters, which name their columns bare, never
 * meet the FTS5 table's columns of the same names; SQLite flattens it into the join, and the key
 * is still the FTS5 rowid, so that a list ordered or bounded by it walks the index's doclists in
 * key order and stops at its LIMIT.
 */
export function sqliteNarrowToMatches(
  query: SelectQueryBuilder<any, any, any>,
  def: SearchDefinition,
  terms: readonly SearchTerm[],
): SearchNarrowing {
  const fts = sql.table(def.index)
  const match = sql<boolean>`${fts} MATCH ${fts5Query(terms)}`
  const matches = sql`(SELECT rowid AS search_id FROM ${fts} WHERE ${match})`
  return {
    query: query.innerJoin(matches.as(MATCHES), `${MATCHES}.search_id`, `${def.table}.${def.key}`),
    key: sql<number>`${sql.ref(`${MATCHES}.search_id`)}`,
    match,
    keyOrdered: true,
  }
}

/** The derived table of matches sqliteNarrowToMatches joins. */
const MATCHES = 'search_match'

/** Statements that index a table's rows again from scratch (after a load with triggers off). */
export function sqliteRebuildSearchIndex(index: string): string {
  return `INSERT INTO ${index}(${index}) VALUES ('rebuild')`
}
