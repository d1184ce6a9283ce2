import type { Database } from '../../database.js'
import type { IndexInfo, SchemaSnapshot, TableInfo } from '../../inspect.js'

/** introspectSqlite reads the schema from sqlite_master and the table and index pragmas. */
export async function introspectSqlite(db: Database): Promise<SchemaSnapshot> {
  const objects = await db.query<{ type: string; name: string; tbl_name: string; sql: string }>(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
  )
  // Full-text indexes (FTS5 virtual tables and the shadow tables that hold them) are indexes,
  // not data: they are made by the search migrations and never declared or copied.
  const index = new Set(
    (
      await db.query<{ name: string }>(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('virtual', 'shadow')",
      )
    ).map((t) => t.name),
  )
  const tables: TableInfo[] = []
  for (const t of objects.filter((o) => o.type === 'table' && !index.has(o.name))) {
    const columns = await db.query<{
      name: string
      type: string
      notnull: number
      dflt_value: string | null
      pk: number
    }>('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', [t.name])
    tables.push({
      name: t.name,
      columns: columns.map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.notnull === 1,
        default: c.dflt_value,
        primaryKey: c.pk > 0,
      })),
    })
  }
  const indexes: IndexInfo[] = []
  for (const i of objects.filter((o) => o.type === 'index' && o.sql)) {
    const cols = await db.query<{ name: string | null }>(
      'SELECT name FROM pragma_index_info(?) ORDER BY seqno',
      [i.name],
    )
    indexes.push({
      name: i.name,
      table: i.tbl_name,
      columns: cols.map((c) => c.name ?? '<expression>'),
      unique: /^CREATE\s+UNIQUE/i.test(i.sql),
      definition: i.sql,
    })
  }
  return {
    tables,
    indexes,
    triggers: objects
      .filter((o) => o.type === 'trigger')
      .map((o) => ({ name: o.name, table: o.tbl_name })),
    views: objects.filter((o) => o.type === 'view').map((o) => o.name),
  }
}
