import type pg from 'pg'
import Cursor from 'pg-cursor'
import type { Database } from '../../database.js'
import type { ColumnKind } from '../../table.js'
import type {
  EngineTransfer,
  ForeignKey,
  RawRow,
  ReadOnlyQuery,
  TableLoader,
} from '../../transfer/engine.js'
import { QueryRefusedError, QueryTimeoutError } from '../../transfer/errors.js'
import type { LineFragment } from '../../transfer/lines.js'
import { settleTransaction } from './connection.js'

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

function poolOf(db: Database): pg.Pool {
  const pool = db.pgPool
  if (!pool) throw new Error('a PostgreSQL transfer needs a PostgreSQL database')
  return pool
}

/** The pool's type parsers (rows read as SQLite's look), which a cursor must be given itself. */
function typesOf(pool: pg.Pool): unknown {
  return (pool as unknown as { options: { types?: unknown } }).options.types
}

async function* streamRows<Row = RawRow>(
  client: pg.PoolClient,
  types: unknown,
  sql: string,
  batchSize: number,
  arrays = false,
): AsyncGenerator<Row[]> {
  const config = { types, ...(arrays ? { rowMode: 'array' } : {}) } as Cursor.CursorQueryConfig
  const cursor = client.query(new Cursor<Row>(sql, [], config))
  // The next batch is asked for before this one is handed over: the server reads (and makes
  // lines) while this process works on the batch it has.
  let next = cursor.read(batchSize)
  try {
    for (;;) {
      const rows = await next
      if (rows.length === 0) return
      next = cursor.read(batchSize)
      yield rows
    }
  } finally {
    await next.catch(() => undefined)
    await cursor.close()
  }
}

/**
 * Opens a session on its own connection, in the store's schema and UTC, inside `begin`. Dates
 * and numbers are read in the forms the stores' type parsers and lineFragment's SQL expect:
 * ISO dates, and the shortest text that gives a double back exactly (PostgreSQL's default since
 * version 12, which a server's settings may change).
 */
async function session(db: Database, begin: string): Promise<pg.PoolClient> {
  const client = await poolOf(db).connect()
  try {
    await client.query(begin)
    await client.query(`SET LOCAL search_path TO ${quote(db.schema!)}`)
    await client.query("SET LOCAL TIME ZONE 'UTC'")
    await client.query("SET LOCAL DateStyle = 'ISO, MDY'")
    await client.query('SET LOCAL extra_float_digits = 1')
    return client
  } catch (error) {
    client.release(error as Error)
    throw error
  }
}

/**
 * inSession runs `fn` on a session of its own opened with `begin`, then ends it with `end`
 * (COMMIT, or ROLLBACK for one that only reads); a failure rolls it back. The connection is
 * released either way.
 */
async function inSession<T>(
  db: Database,
  begin: string,
  end: 'COMMIT' | 'ROLLBACK',
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await session(db, begin)
  return settleTransaction(client, () => fn(client), end)
}

async function sequenceOf(
  client: pg.PoolClient,
  table: string,
  column: string,
): Promise<string | null> {
  const { rows } = await client.query<{ seq: string | null }>(
    'SELECT pg_get_serial_sequence($1, $2) AS seq',
    [quote(table), column],
  )
  return rows[0]?.seq ?? null
}

function loaderOn(client: pg.PoolClient, parsers: unknown): TableLoader {
  const types = new Map<string, Map<string, string>>()
  return {
    async clear(tables) {
      if (tables.length > 0) await client.query(`TRUNCATE ${tables.map(quote).join(', ')}`)
    },
    async insert(table, columns, rows) {
      if (rows.length === 0) return
      // One statement per batch: each column's values as one array parameter, unnested into
      // rows (far fewer parameters to bind and parse than a VALUES list).
      let typeOf = types.get(table)
      if (!typeOf) {
        const { rows: found } = await client.query<{ name: string; type: string }>(
          `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
           WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
          [quote(table)],
        )
        typeOf = new Map(found.map((c) => [c.name, c.type]))
        types.set(table, typeOf)
      }
      const arrays = columns.map((_, i) => rows.map((row) => row[i] ?? null))
      const unnest = columns.map((c, i) => `$${i + 1}::${typeOf!.get(c) ?? 'text'}[]`).join(', ')
      await client.query(
        `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) SELECT * FROM unnest(${unnest})`,
        arrays,
      )
    },
    async update(table, key, id, column, value) {
      await client.query(
        `UPDATE ${quote(table)} SET ${quote(column)} = $1 WHERE ${quote(key)} = $2`,
        [value, id],
      )
    },
    rows: (sql, batchSize) => streamRows(client, parsers, sql, batchSize),
    arrays: (sql, batchSize) => streamRows<unknown[]>(client, parsers, sql, batchSize, true),
    async advanceIdCounters(keys, counters) {
      for (const { table, column } of keys) {
        const seq = await sequenceOf(client, table, column)
        if (!seq) continue
        const { rows } = await client.query<{ top: number | null }>(
          `SELECT MAX(${quote(column)}) AS top FROM ${quote(table)}`,
        )
        const value = Math.max(Number(rows[0]?.top ?? 0), counters[table] ?? 0)
        if (value > 0) await client.query('SELECT setval($1, $2, true)', [seq, value])
        else await client.query('SELECT setval($1, 1, false)', [seq])
      }
    },
  }
}

/**
 * setAsideIndexes drops the plain (non-unique) indexes and the foreign keys of `tables` and
 * returns the statements that make them again, indexes first. A load fills empty tables:
 * building an index once over the loaded rows, and checking a foreign key in one pass, is many
 * times cheaper than keeping thirteen indexes and a key check up to date row by row. It runs
 * inside the load's transaction, so a load that fails or dies leaves them as they were.
 */
async function setAsideIndexes(
  client: pg.PoolClient,
  tables: readonly string[],
): Promise<string[]> {
  const names = tables.map(quote)
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     WHERE i.indrelid = ANY (SELECT unnest($1::text[])::regclass) AND NOT i.indisunique
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                       AND c.conrelid = i.indrelid)`,
    [names],
  )
  const { rows: keys } = await client.query<{ table: string; name: string; definition: string }>(
    `SELECT c.conrelid::regclass::text AS "table", c.conname AS name,
            pg_get_constraintdef(c.oid) AS definition
     FROM pg_constraint c
     WHERE c.contype = 'f' AND c.conrelid = ANY (SELECT unnest($1::text[])::regclass)`,
    [names],
  )
  for (const key of keys) {
    await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT ${quote(key.name)}`)
  }
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`)
  return [
    ...indexes.map((index) => index.definition),
    ...keys.map(
      (key) => `ALTER TABLE ${key.table} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`,
    ),
  ]
}

/** The largest integer JavaScript holds exactly: pg reads a larger bigint inexactly. */
const SAFE = '9007199254740991'
const double = (text: string) => `CAST(${text} AS double precision)`
/** Timestamps whose text has a four-digit year (the codec reads those by position). */
const YEARS = (x: string, zone: string) =>
  `${x} >= '0001-01-01 00:00:00${zone}' AND ${x} < '10000-01-01 00:00:00${zone}'`
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`

/**
 * postgresLineFragment writes in SQL the values whose JSON text is sure, by the column's type:
 * integers JavaScript holds exactly; doubles from 1e-4 up to 1e15 (their shortest text, as
 * JavaScript writes it, with no exponent on either side); text (to_json escapes as
 * JSON.stringify does); booleans; timestamps with a four-digit year, to the millisecond, cut
 * (not rounded) as the codec cuts them. Anything else is NULL and JavaScript writes it; JSON
 * values (whose keys are sorted) are always JavaScript's.
 */
function postgresLineFragment(
  column: string,
  kind: ColumnKind,
  type: string,
): LineFragment | undefined {
  const x = quote(column)
  let sure: string | undefined
  switch (type) {
    case 'bigint':
    case 'integer':
    case 'smallint':
      sure = `WHEN ${x} BETWEEN -${SAFE} AND ${SAFE} THEN ${x}::text`
      break
    case 'double precision':
      sure =
        `WHEN ${x} = 0 THEN '0' ` +
        `WHEN abs(${x}) >= ${double('1e-4')} AND abs(${x}) < ${double('1e15')} THEN ${x}::text`
      break
    case 'text':
    case 'character varying':
      sure = `ELSE to_json(${x})::text`
      break
    case 'boolean':
      sure = `WHEN ${x} THEN 'true' ELSE 'false'`
      break
    case 'timestamp with time zone':
      sure = `WHEN ${YEARS(x, '+00')} THEN '"' || to_char(${x} AT TIME ZONE 'UTC', ${ISO_MS}) || '"'`
      break
    case 'timestamp without time zone':
      sure = `WHEN ${YEARS(x, '')} THEN '"' || to_char(${x}, ${ISO_MS}) || '"'`
      break
  }
  // The codec keeps the values of these kinds as read; booleans and timestamps it converts
  // (text in a JSON, boolean or timestamp column, for one, is not written as read).
  const asRead = kind === 'id' || kind === 'integer' || kind === 'real' || kind === 'text'
  const matches =
    asRead ||
    (type === 'boolean' && kind === 'boolean') ||
    (type.startsWith('timestamp') && kind === 'timestamp')
  if (!sure || !matches) return undefined
  return { sql: `CASE WHEN ${x} IS NULL THEN 'null' ${sure} END`, total: false }
}

function queryError(error: unknown, timeoutMs: number): unknown {
  const { code, message } = error as { code?: string; message?: string }
  if (code === '57014') return new QueryTimeoutError(timeoutMs)
  if (code === '25006') {
    return new QueryRefusedError('refused: the statement writes; genmedia sql only reads')
  }
  if (/multiple commands/.test(message ?? '')) {
    return new QueryRefusedError(
      'refused: one statement at a time: the text holds more than one; genmedia sql only reads',
    )
  }
  return error
}

/**
 * postgresTransfer: snapshots are a REPEATABLE READ, READ ONLY transaction on a connection of
 * their own, read through cursors; loads are one transaction with the tables' user triggers
 * disabled (ALTER TABLE … DISABLE TRIGGER USER, itself undone if the load rolls back) and their
 * plain indexes and foreign keys set aside until the rows are in (setAsideIndexes); user
 * queries run in a READ ONLY transaction with statement_timeout.
 */
export const postgresTransfer: EngineTransfer = {
  async foreignKeys(db: Database): Promise<ForeignKey[]> {
    return db.query<ForeignKey>(
      `SELECT cl.relname AS "table", a.attname AS "column", rf.relname AS "references",
              af.attname AS "referencedColumn"
       FROM pg_constraint c
       JOIN pg_class cl ON cl.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace
       JOIN pg_class rf ON rf.oid = c.confrelid
       CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, ref)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
       JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = k.ref
       WHERE c.contype = 'f' AND n.nspname = $1`,
      [db.schema],
    )
  },

  orderTerm: (column, kind) => (kind === 'text' ? `${quote(column)} COLLATE "C"` : quote(column)),

  lineFragment: (column, kind, type) => postgresLineFragment(column, kind, type),
  utf8: (text) => `convert_to(${text}, 'UTF8')`,

  async snapshot(db, fn) {
    const types = typesOf(poolOf(db))
    return inSession(db, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'COMMIT', (client) =>
      fn({
        rows: (sql, batchSize) => streamRows(client, types, sql, batchSize),
        arrays: (sql, batchSize) => streamRows<unknown[]>(client, types, sql, batchSize, true),
        async idCounters(keys) {
          const counters: Record<string, number> = {}
          for (const { table, column } of keys) {
            const seq = await sequenceOf(client, table, column)
            if (!seq) continue
            const { rows } = await client.query<{ last_value: number; is_called: boolean }>(
              `SELECT last_value, is_called FROM ${seq}`,
            )
            const row = rows[0]
            if (row) counters[table] = Number(row.last_value) - (row.is_called ? 0 : 1)
          }
          return counters
        },
      }),
    )
  },

  async load(db, tables, fn) {
    return inSession(db, 'BEGIN', 'COMMIT', async (client) => {
      await client.query(`SET LOCAL maintenance_work_mem = '256MB'`)
      const setAside = await setAsideIndexes(client, tables)
      for (const table of tables) {
        await client.query(`ALTER TABLE ${quote(table)} DISABLE TRIGGER USER`)
      }
      const result = await fn(loaderOn(client, typesOf(poolOf(db))))
      for (const table of tables) {
        await client.query(`ALTER TABLE ${quote(table)} ENABLE TRIGGER USER`)
      }
      for (const statement of setAside) await client.query(statement)
      return result
    }).catch((error: unknown) => {
      throw db.translateError(error)
    })
  },

  async query(db, query: ReadOnlyQuery) {
    await inSession(db, 'BEGIN READ ONLY', 'ROLLBACK', async (client) => {
      await client.query(
        `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(query.timeoutMs))}`,
      )
      const cursor = client.query(
        new Cursor<unknown[]>(query.sql, [], {
          rowMode: 'array',
          types: typesOf(poolOf(db)),
        } as Cursor.CursorQueryConfig),
      )
      let announced = false
      for (;;) {
        const rows = await new Promise<unknown[][]>((resolve, reject) =>
          cursor.read(500, (error, rows, result) => {
            if (error) return reject(error)
            if (!announced && result) {
              query.onColumns(result.fields.map((f) => f.name))
              announced = true
            }
            resolve(rows as unknown[][])
          }),
        )
        if (rows.length === 0) break
        await query.onRows(rows)
      }
      if (!announced) query.onColumns([])
      await cursor.close()
    }).catch((error: unknown) => {
      throw queryError(error, query.timeoutMs)
    })
  },
}
