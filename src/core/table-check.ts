import type { ColumnInfo, TableInfo } from './inspect.js'
import { SEARCH_VECTOR } from './search/define.js'
import type { ColumnKind, Columns, Table } from './table.js'

/**
 * The declared types each column kind may have, as either engine reports them (SQLite keeps the
 * DDL's words; PostgreSQL reports its type names). A seed's `JSON` column is `jsonb` on
 * PostgreSQL; its `BOOLEAN` is kept as written on SQLite.
 */
const TYPES: Record<ColumnKind, RegExp> = {
  id: /^(integer|bigint)$/i,
  integer: /^(integer|int|bigint|smallint)$/i,
  real: /^(real|double precision|float|double|numeric)$/i,
  text: /^(text|varchar.*|character varying.*)$/i,
  json: /^(json|jsonb|text)$/i,
  boolean: /^(boolean|integer)$/i,
  timestamp: /^(datetime|timestamp.*|text)$/i,
}

/**
 * checkDeclaration compares a declared table with the table as the engine reports it and
 * returns one line per difference (none when they agree): a column declared but missing or
 * present but not declared (but SEARCH_VECTOR, a search migration's), a type that does not fit the column's kind, NOT NULL or DEFAULT
 * that the declaration does not say.
 */
export function checkDeclaration(table: Table<any>, actual: TableInfo | undefined): string[] {
  if (!actual) return [`${table.name}: declared but missing`]
  const out: string[] = []
  const columns = new Map<string, ColumnInfo>(actual.columns.map((c) => [c.name, c]))
  for (const [name, declared] of Object.entries(table.columns as Columns)) {
    const where = `${table.name}.${name}`
    const column = columns.get(name)
    if (!column) {
      out.push(`${where}: declared but missing`)
      continue
    }
    columns.delete(name)
    if (!TYPES[declared.kind].test(column.type)) {
      out.push(`${where}: declared ${declared.kind}, the database has ${column.type}`)
    }
    if (declared.kind === 'id') {
      if (!column.primaryKey)
        out.push(`${where}: declared the key, the database has no primary key`)
      continue
    }
    // SQLite lets a primary key that is not an INTEGER hold NULL unless told NOT NULL, a
    // quirk it keeps for compatibility; a key is NOT NULL by what it means, as PostgreSQL has it.
    const notNull = column.notNull || column.primaryKey
    if (declared.isNullable === notNull) {
      out.push(
        `${where}: declared ${declared.isNullable ? 'nullable' : 'NOT NULL'}, the database has ${notNull ? 'NOT NULL' : 'nullable'}`,
      )
    }
    const hasDefault = column.default !== null
    if (declared.hasDefault !== hasDefault) {
      out.push(
        `${where}: declared ${declared.hasDefault ? 'with' : 'without'} a default, the database has ${hasDefault ? `DEFAULT ${column.default}` : 'none'}`,
      )
    }
  }
  // The stored search index of a searchable table (PostgreSQL's tsvector) is the engine's.
  columns.delete(SEARCH_VECTOR)
  for (const name of columns.keys())
    out.push(`${table.name}.${name}: in the database, not declared`)
  return out
}
