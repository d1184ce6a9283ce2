import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'

const BATCH = 5_000

/**
 * copyToPostgres copies every row of `tables` from a SQLite store file into the same tables of
 * an already migrated PostgreSQL schema (emptied first), ids included, through
 * `INSERT … SELECT … FROM unnest($1::text[], …)` batches with each column cast to its
 * PostgreSQL type. Triggers and foreign keys are off meanwhile (session_replication_role =
 * replica): the SQLite file already holds their effects. Sequences then continue after the
 * copied ids, and each table is ANALYZEd.
 */
export async function copyToPostgres(
  sqliteFile: string,
  url: string,
  schema: string,
  tables: readonly string[],
): Promise<void> {
  const source = new BetterSqlite3(sqliteFile, { readonly: true })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`SET search_path TO ${schema}`)
    await client.query("SET TIME ZONE 'UTC'")
    await client.query('SET session_replication_role = replica')
    await client.query('BEGIN')
    await client.query(`TRUNCATE ${tables.join(', ')} CASCADE`)
    for (const table of tables) {
      const { rows: pgColumns } = await client.query<{ name: string; type: string }>(
        `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
         WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [`${schema}.${table}`],
      )
      const sqliteNames = new Set(
        (source.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map(
          (c) => c.name,
        ),
      )
      const columns = pgColumns.filter((c) => sqliteNames.has(c.name))
      const text =
        `INSERT INTO ${table} (${columns.map((c) => `"${c.name}"`).join(', ')}) SELECT ` +
        columns.map((c, i) => `c${i}::${c.type}`).join(', ') +
        ` FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(` +
        columns.map((_, i) => `c${i}`).join(', ') +
        ')'
      const select = source.prepare(
        `SELECT ${columns.map((c) => `"${c.name}"`).join(', ')} FROM ${table}`,
      )
      let arrays: (string | null)[][] = columns.map(() => [])
      const flush = async () => {
        if (arrays[0]!.length === 0) return
        await client.query(text, arrays)
        arrays = columns.map(() => [])
      }
      for (const row of select.raw().iterate() as Iterable<unknown[]>) {
        for (let i = 0; i < columns.length; i++) {
          const v = row[i]
          arrays[i]!.push(v === null || v === undefined ? null : String(v))
        }
        if (arrays[0]!.length >= BATCH) await flush()
      }
      await flush()
      if (columns.some((c) => c.name === 'id')) {
        await client.query(
          `SELECT setval(s, (SELECT COALESCE(MAX(id), 0) + 1 FROM ${table}), false)
           FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL`,
          [`${schema}.${table}`],
        )
      }
    }
    await client.query('COMMIT')
    await client.query('SET session_replication_role = DEFAULT')
    for (const table of tables) await client.query(`ANALYZE ${table}`)
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    await client.end()
    source.close()
  }
}
