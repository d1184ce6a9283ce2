import type { Database } from './database.js'

export interface ColumnInfo {
  name: string
  /** The declared type as the engine reports it (`DATETIME` on SQLite, `timestamp with time zone` on PostgreSQL). */
  type: string
  notNull: boolean
  default: string | null
  primaryKey: boolean
}

export interface TableInfo {
  name: string
  columns: ColumnInfo[]
}

export interface IndexInfo {
  name: string
  table: string
  columns: string[]
  unique: boolean
  /** The CREATE INDEX statement as stored by the engine. */
  definition: string
}

/** SchemaSnapshot is a store database's schema as the engine reports it, sorted by name. */
export interface SchemaSnapshot {
  tables: TableInfo[]
  indexes: IndexInfo[]
  triggers: { name: string; table: string }[]
  views: string[]
}

/**
 * inspectSchema reads the tables, columns, indexes (explicitly created ones; not those the
 * engine makes for keys), triggers and views of a store database.
 */
export async function inspectSchema(db: Database): Promise<SchemaSnapshot> {
  const snapshot = await db.engineImpl.introspect(db)
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name)
  snapshot.tables.sort(byName)
  snapshot.indexes.sort(byName)
  snapshot.triggers.sort(byName)
  snapshot.views.sort()
  return snapshot
}
