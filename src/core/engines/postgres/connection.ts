import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'
import { PostgresDialect } from 'kysely'
import type { OpenOptions } from '../../database.js'
import { sqliteTextToIso } from '../../codec.js'
import { ConflictError } from '../../errors.js'
import type { EngineConnection } from '../engine.js'
import type { PostgresLocation } from './location.js'

const OID = {
  INT8: 20,
  NUMERIC: 1700,
  JSON: 114,
  JSONB: 3802,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  DATE: 1082,
  TSVECTOR: 3614,
} as const

const parseTimestamptz = pg.types.getTypeParser(OID.TIMESTAMPTZ, 'text') as (v: string) => Date

const asText = (v: string) => v
const absent = () => undefined

/**
 * timestamptz text in a UTC session (`2026-01-08 12:00:00.123456+00`) as ISO-8601, by position;
 * other offsets and forms (BC, infinity) through pg's own parser.
 */
function timestamptzToIso(v: string): string | Date {
  const text = v.endsWith('+00') ? sqliteTextToIso(v.slice(0, -3)) : undefined
  return text ?? toIso(parseTimestamptz(v))
}

/** timestamp text (UTC by convention) as ISO-8601, by position where it can. */
function timestampToIso(v: string): string | Date {
  return sqliteTextToIso(v) ?? toIso(new Date(`${v.replace(' ', 'T')}Z`))
}

/**
 * Type parsers that make PostgreSQL rows look like SQLite rows to the stores: counts and
 * averages (int8, numeric) are numbers, JSON stays text for the store's codec to parse (as it
 * does on SQLite), timestamps are ISO-8601 strings in UTC, and a tsvector (the stored search
 * index, `search_vector`, that `SELECT *` reads too) is undefined, so that rows carry no
 * more than SQLite's do (JSON leaves it out). pg asks for a parser per field of every result:
 * each is made once, here.
 */
export const TYPES = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    switch (oid) {
      case OID.INT8:
      case OID.NUMERIC:
        return Number
      case OID.JSON:
      case OID.JSONB:
      case OID.DATE:
        return asText
      case OID.TIMESTAMPTZ:
        return timestamptzToIso
      case OID.TIMESTAMP:
        return timestampToIso
      case OID.TSVECTOR:
        return absent
      default:
        return pg.types.getTypeParser(oid, (format ?? 'text') as 'text')
    }
  },
}

function toIso(date: Date): string | Date {
  return Number.isNaN(date.getTime()) ? date : date.toISOString()
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** schemaOf is the schema a location names, or the store's default. */
export function schemaOf(location: PostgresLocation, defaultSchema: string): string {
  return location.schema ?? defaultSchema
}

/**
 * createPostgresPool opens a pool of connections to the server. Use `sessionPool` to hand its
 * connections to Kysely: each works inside the store's schema and in UTC.
 */
export function createPostgresPool(location: PostgresLocation, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max,
    types: TYPES,
    idleTimeoutMillis: 10_000,
  })
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined)
  return pool
}

/** withPostgresPool runs `task` on a pool of one connection to `location`, ended after it. */
export async function withPostgresPool<T>(
  location: PostgresLocation,
  task: (pool: pg.Pool) => Promise<T>,
): Promise<T> {
  const pool = createPostgresPool(location, 1)
  try {
    return await task(pool)
  } finally {
    await pool.end()
  }
}

/**
 * settleTransaction runs `fn`, which begins a transaction on `client` (or finds one begun), and
 * ends it: with `end` (COMMIT, or ROLLBACK for one that only reads) when `fn` returns, with
 * ROLLBACK when it throws. The connection goes back to its pool either way.
 */
export async function settleTransaction<T>(
  client: pg.PoolClient,
  fn: () => Promise<T>,
  end: 'COMMIT' | 'ROLLBACK' = 'COMMIT',
): Promise<T> {
  try {
    const result = await fn()
    await client.query(end)
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

const connectionTags = new WeakMap<pg.PoolClient, string>()
const processTag = randomBytes(4).toString('hex')
let connections = 0

/**
 * connectionTag names a pool connection once, unique to this process and connection: a
 * statement's name carries it, so that two connections served by one server session (PGlite
 * runs every connection, of every process, in one) never prepare the same name twice, which
 * PostgreSQL refuses ("prepared statement … already exists").
 */
export function connectionTag(client: pg.PoolClient): string {
  let tag = connectionTags.get(client)
  if (tag === undefined) connectionTags.set(client, (tag = `${processTag}_${++connections}`))
  return tag
}

/** SQL texts that Kysely's statements run as named prepared statements, and their names. */
const namedTexts = new Map<string, string>()
/** A bound on namedTexts: the texts come from the code (a table and its columns), not data. */
const MAX_NAMED_TEXTS = 1_000

/**
 * reuseStatement marks `text` as a statement run many times on a connection (a bulk insert's
 * multi-row INSERT): Kysely's runs of it become a named prepared statement on each connection,
 * parsed and planned once there and then only bound and run. A 500-row INSERT of ai-artist
 * images was parsed and planned anew for every 500 rows: 15 % of the server's time for them.
 * Only for statements that return no rows, whose plan cannot go stale with the result's shape.
 * A connection keeps such a statement until it closes: about 2 MB of the server's memory for
 * ai-artist's 500-row INSERT (`pg_backend_memory_contexts`).
 */
export function reuseStatement(text: string): void {
  if (namedTexts.has(text) || namedTexts.size >= MAX_NAMED_TEXTS) return
  namedTexts.set(text, statementName(text))
}

/** statementName is the name a statement's text is prepared under (before the connection's tag). */
export function statementName(text: string): string {
  return `genmedia_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
}

type KyselyClient = Pick<pg.PoolClient, 'release'> & {
  query(config: unknown, values?: unknown[]): unknown
}
const kyselyClients = new WeakMap<pg.PoolClient, KyselyClient>()

/**
 * The client Kysely's driver uses: pg's, with the texts `reuseStatement` marked sent by name.
 * One per connection, so that Kysely, which keys its connection objects by client, reuses its own.
 */
function kyselyClient(client: pg.PoolClient): KyselyClient {
  let wrapped = kyselyClients.get(client)
  if (wrapped === undefined) kyselyClients.set(client, (wrapped = wrapClient(client)))
  return wrapped
}

function wrapClient(client: pg.PoolClient): KyselyClient {
  return {
    query(config: unknown, values?: unknown[]): unknown {
      const name = typeof config === 'string' ? namedTexts.get(config) : undefined
      if (name === undefined) return client.query(config as string, values)
      return client.query({
        name: `${name}_${connectionTag(client)}`,
        text: config as string,
        values,
      })
    },
    release: (error?: Error) => client.release(error),
  }
}

/** A pool whose connections work inside the store's schema and in UTC (`sessionPool`). */
export interface SessionPool {
  connect(): Promise<pg.PoolClient>
  end(): Promise<void>
}

const sessions = new WeakMap<pg.Pool, SessionPool>()

/** sessionOf is the session pool `sessionPool` made of `pool`, for the engine's direct paths. */
export function sessionOf(pool: pg.Pool): SessionPool | undefined {
  return sessions.get(pool)
}

/**
 * sessionPool wraps a pool so that every connection, before its first use, is set to work
 * inside `schema` (search_path) and in UTC: the seeds' unqualified SQL then runs unchanged.
 */
export function sessionPool(pool: pg.Pool, schema: string): SessionPool {
  const prepared = new WeakSet<pg.PoolClient>()
  const setup = `SET search_path TO ${quoteIdentifier(schema)}; SET TIME ZONE 'UTC'`
  const session: SessionPool = {
    async connect(): Promise<pg.PoolClient> {
      const client = await pool.connect()
      if (!prepared.has(client)) {
        try {
          await client.query(setup)
        } catch (error) {
          client.release(error as Error)
          throw error
        }
        prepared.add(client)
      }
      return client
    },
    end: () => pool.end(),
  }
  sessions.set(pool, session)
  return session
}

/**
 * ensureSchema creates the store's schema if it is missing. Safe to run concurrently. Refuses
 * (ConflictError naming it) where the schema is missing but a restore point of it exists: that
 * is a store an older restore lost midway, and an empty store must not take its place.
 */
export async function ensureSchema(pool: pg.Pool, schema: string): Promise<void> {
  const { rows } = await pool.query<{ live: boolean; point: string | null }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS live,
       (SELECT max(nspname) FROM pg_namespace WHERE starts_with(nspname, $1 || '_restore_point_')) AS point`,
    [schema],
  )
  if (rows[0]?.live) return
  if (rows[0]?.point) {
    throw new ConflictError(
      `schema ${schema} is missing but its restore point ${rows[0].point} exists (a restore was interrupted); put it back with genmedia restore <store> --recover, or drop ${rows[0].point} to start empty`,
    )
  }
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
  } catch (error) {
    // At least on PostgreSQL, IF NOT EXISTS does not stop two concurrent creators from
    // colliding on the catalog's unique index: the loser sees 23505 or 42P06.
    const code = (error as { code?: string }).code
    if (code !== '23505' && code !== '42P06') throw error
  }
}

export function createPostgresDialect(pool: pg.Pool, schema: string): PostgresDialect {
  const session = sessionPool(pool, schema)
  const kyselyPool = {
    connect: async () => kyselyClient(await session.connect()),
    end: () => session.end(),
  }
  return new PostgresDialect({ pool: kyselyPool as unknown as pg.Pool })
}

/** connectPostgres opens a pool to the store's schema, creating the schema if it is missing. */
export async function connectPostgres(
  location: PostgresLocation,
  options: OpenOptions,
): Promise<EngineConnection> {
  const schema = schemaOf(location, options.schema)
  const pool = createPostgresPool(location, options.poolSize)
  try {
    if (options.create !== false) await ensureSchema(pool, schema)
  } catch (error) {
    await pool.end()
    throw error
  }
  return {
    kyselyDialect: createPostgresDialect(pool, schema),
    location: location.redacted,
    schema,
    pgPool: pool,
  }
}

/** schemaExists tells whether `schema` is in the database. */
export async function schemaExists(pool: pg.Pool, schema: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
  return rows.length > 0
}

/** postgresExists tells whether the store's schema is there. */
export async function postgresExists(
  location: PostgresLocation,
  defaultSchema: string,
): Promise<boolean> {
  return withPostgresPool(location, (pool) => schemaExists(pool, schemaOf(location, defaultSchema)))
}

/** dropPostgres drops the store's schema with everything in it. Idempotent. */
export async function dropPostgres(
  location: PostgresLocation,
  defaultSchema: string,
): Promise<void> {
  const schema = quoteIdentifier(schemaOf(location, defaultSchema))
  await withPostgresPool(location, (pool) => pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
}

/** isMissingTable tells whether `error` is PostgreSQL's undefined_table (42P01). */
export function isMissingTable(error: unknown): boolean {
  return (error as { code?: string }).code === '42P01'
}
