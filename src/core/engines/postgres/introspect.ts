import type { Database } from '../../database.js'
import type { SchemaSnapshot, TableInfo } from '../../inspect.js'

/** introspectPostgres reads the store's schema from information_schema and the catalogs. */
export async function introspectPostgres(db: Database): Promise<SchemaSnapshot> {
  const schema = db.schema
  const columns = await db.query<{
    table_name: string
    column_name: string
    data_type: string
    is_nullable: string
    column_default: string | null
    is_identity: string
  }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.is_identity
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  )
  const keys = await db.query<{ table_name: string; column_name: string }>(
    `SELECT k.table_name, k.column_name FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
     WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY'`,
    [schema],
  )
  const pk = new Set(keys.map((k) => `${k.table_name}.${k.column_name}`))
  const tables = new Map<string, TableInfo>()
  for (const c of columns) {
    const table = tables.get(c.table_name) ?? { name: c.table_name, columns: [] }
    tables.set(c.table_name, table)
    table.columns.push({
      name: c.column_name,
      type: c.data_type,
      notNull: c.is_nullable === 'NO',
      default: c.column_default,
      primaryKey: pk.has(`${c.table_name}.${c.column_name}`),
    })
  }
  // Indexes backing constraints (primary keys, UNIQUE columns) are the engine's, as on SQLite.
  const indexes = await db.query<{
    name: string
    table: string
    definition: string | null
    unique: boolean
    columns: string | null
  }>(
    `SELECT i.relname AS name, t.relname AS "table", pg_get_indexdef(i.oid) AS definition,
            ix.indisunique AS "unique",
            (SELECT string_agg(pg_get_indexdef(i.oid, k, true), ',' ORDER BY k)
               FROM generate_series(1, ix.indnkeyatts) AS k) AS columns
     FROM pg_index ix
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1
       AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid)`,
    [schema],
  )
  const triggers = await db.query<{ name: string; table: string }>(
    `SELECT DISTINCT trigger_name AS name, event_object_table AS "table"
     FROM information_schema.triggers WHERE trigger_schema = $1`,
    [schema],
  )
  const views = await db.query<{ name: string }>(
    'SELECT table_name AS name FROM information_schema.views WHERE table_schema = $1',
    [schema],
  )
  return {
    tables: [...tables.values()],
    // The catalog functions answer NULL for an index another session dropped while this one
    // read (a migration running beside it): such an index is gone, not part of the schema.
    indexes: indexes.flatMap(({ definition, columns, ...i }) =>
      definition === null || columns === null
        ? []
        : [{ ...i, definition, columns: columns.split(',').map((c) => c.replace(/^"|"$/g, '')) }],
    ),
    triggers,
    views: views.map((v) => v.name),
  }
}
