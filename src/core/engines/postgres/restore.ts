import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import type { RestoreOutcome, RestoreRequest } from '../../backup/engine.js'
import { ConflictError, NotFoundError } from '../../errors.js'
import { MIGRATION_TABLE } from '../../migrator.js'
import { openStore } from '../../store.js'
import {
  createPostgresPool,
  quoteIdentifier,
  schemaExists,
  schemaOf,
  settleTransaction,
  withPostgresPool,
} from './connection.js'
import { parsePostgresLocation, type PostgresLocation } from './location.js'

/** The infix of a restore point's schema name: `<schema>_restore_point_<UTC stamp>`. */
export const RESTORE_POINT_INFIX = '_restore_point_'

/** restorePointsOf lists the restore-point schemas of `schema`, newest first. */
export async function restorePointsOf(pool: pg.Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname DESC',
    [`${schema}${RESTORE_POINT_INFIX}`],
  )
  return rows.map((r) => r.name)
}

/**
 * verificationSql is a DO block that raises, inside the restore's transaction, unless the
 * restored schema holds exactly the rows and schema version the backup's manifest records; the
 * transaction then rolls back and the store stays as it was.
 */
function verificationSql(schema: string, request: RestoreRequest): string {
  const { manifest } = request
  if (manifest.schemaVersion === 0) return 'SELECT 1'
  const q = quoteIdentifier(schema)
  const checks = Object.entries(manifest.rowCounts).map(
    ([table, expected]) =>
      `SELECT count(*) INTO n FROM ${q}.${quoteIdentifier(table)};
  IF n <> ${Number(expected)} THEN
    RAISE EXCEPTION 'restored table ${table} holds % rows, the manifest says ${Number(expected)}', n;
  END IF;`,
  )
  return `DO $genmedia$ DECLARE n bigint; BEGIN
  SELECT max(version) INTO n FROM ${q}.${MIGRATION_TABLE};
  IF n IS DISTINCT FROM ${manifest.schemaVersion} THEN
    RAISE EXCEPTION 'restored schema version is %, the manifest says ${manifest.schemaVersion}', n;
  END IF;
  ${checks.join('\n  ')}
END $genmedia$`
}

/** The infix of a restore's scratch schema: `<schema>_restoring_<UTC stamp>`. */
export const RESTORING_INFIX = '_restoring_'

async function uniqueName(pool: pg.Pool, target: string, infix: string, now: Date) {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 17)
  const base = `${target}${infix}${stamp}`
  if (base.length > 60) {
    throw new ConflictError(`schema ${target} is too long to name its ${infix} schema ${base}`)
  }
  let name = base
  for (let n = 2; await schemaExists(pool, name); n++) name = `${base}_${n}`
  return name
}

/** dropSchemasStartingWith drops every schema whose name starts with `prefix`. */
async function dropSchemasStartingWith(pool: pg.Pool, prefix: string): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [prefix],
  )
  for (const { name } of rows) await pool.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`)
  return rows.map((r) => r.name)
}

function locationWithSchema(location: PostgresLocation, schema: string): string {
  const url = new URL(location.connectionString)
  url.searchParams.set('schema', schema)
  return url.toString()
}

/**
 * restorePostgres swaps a verified dump in atomically:
 *
 * 1. scratch schemas of killed restores (`<schema>_restoring_…`) are dropped;
 * 2. `pg_restore` turns the dump into SQL and `psql --single-transaction` runs it into a new
 *    schema `<schema>_restoring_<stamp>` (in that one transaction the live schema steps aside
 *    under its restore-point name while the dump creates its own, and takes its name back), then
 *    checks that every table holds the rows the manifest records;
 * 3. the new schema is migrated forward there, where a failure touches nothing live;
 * 4. ONE transaction renames the live schema to `<schema>_restore_point_<stamp>` and the new one
 *    to the live name;
 * 5. restore points beyond `keepRestorePoints` are dropped, oldest first.
 *
 * A kill at any moment leaves the live schema as it was (before step 4 commits) or the backup
 * (after); what a kill can leave besides is a scratch schema, dropped by the next restore.
 */
export async function restorePostgres(
  request: RestoreRequest,
  runTool: (tool: string, args: readonly string[]) => Promise<unknown>,
): Promise<RestoreOutcome> {
  const { definition, manifest, now, onProgress } = request
  const pgLocation = parsePostgresLocation(request.location)!
  const target = schemaOf(pgLocation, definition.schema)
  const source = manifest.schema ?? definition.schema
  const pool = createPostgresPool(pgLocation, 1)
  const work = await mkdtemp(join(tmpdir(), 'genmedia-restore-sql-'))
  let restoring: string | undefined
  try {
    if (source !== target && (await schemaExists(pool, source))) {
      throw new ConflictError(
        `the backup holds schema ${source}, which exists in this database beside ${target}; restore it into a database without ${source}`,
      )
    }
    await dropSchemasStartingWith(pool, `${target}${RESTORING_INFIX}`)
    onProgress?.({ phase: 'restore', done: 0, total: 4 })
    const sqlFile = join(work, 'restore.sql')
    await runTool('pg_restore', [
      '--no-owner',
      '--no-privileges',
      `--file=${sqlFile}`,
      request.backupPath,
    ])
    restoring = await uniqueName(pool, target, RESTORING_INFIX, now)
    const restorePoint = (await schemaExists(pool, target))
      ? await uniqueName(pool, target, RESTORE_POINT_INFIX, now)
      : null
    const rename = (from: string, to: string) =>
      `--command=ALTER SCHEMA ${quoteIdentifier(from)} RENAME TO ${quoteIdentifier(to)}`
    const args = ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1']
    // Within the transaction only: the live schema steps aside while the dump creates its own.
    const aside = source === target ? restorePoint : null
    if (aside) args.push(rename(target, aside))
    args.push(`--file=${sqlFile}`, rename(source, restoring))
    if (aside) args.push(rename(aside, target))
    args.push(`--command=${verificationSql(restoring, request)}`)
    args.push(`--dbname=${pgLocation.connectionString}`)
    onProgress?.({ phase: 'restore', done: 1, total: 4 })
    await runTool('psql', args)
    onProgress?.({ phase: 'migrate', done: 2, total: 4 })
    // Opening a store migrates it to the latest version, each step in its own transaction.
    const store = await openStore(definition, {
      location: locationWithSchema(pgLocation, restoring),
      poolSize: 1,
    })
    let rowCounts: Record<string, number>
    let schemaVersion: number
    try {
      schemaVersion = await store.migrator.currentVersion()
      rowCounts = {}
      for (const table of Object.keys(manifest.rowCounts)) {
        const [row] = await store.db.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM ${quoteIdentifier(table)}`,
        )
        rowCounts[table] = Number(row?.n ?? 0)
      }
    } finally {
      await store.close()
    }
    onProgress?.({ phase: 'swap', done: 3, total: 4 })
    const client = await pool.connect()
    const restored = restoring
    await settleTransaction(client, async () => {
      await client.query('BEGIN')
      if (restorePoint) {
        await client.query(
          `ALTER SCHEMA ${quoteIdentifier(target)} RENAME TO ${quoteIdentifier(restorePoint)}`,
        )
      }
      await client.query(
        `ALTER SCHEMA ${quoteIdentifier(restored)} RENAME TO ${quoteIdentifier(target)}`,
      )
    })
    restoring = undefined
    const prunedRestorePoints = await pruneRestorePoints(pool, target, request.keepRestorePoints)
    onProgress?.({ phase: 'done', done: 4, total: 4 })
    return { schemaVersion, rowCounts, restorePoint, prunedRestorePoints }
  } catch (error) {
    if (restoring) {
      await pool
        .query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(restoring)} CASCADE`)
        .catch(() => undefined)
    }
    throw error
  } finally {
    await rm(work, { recursive: true, force: true })
    await pool.end()
  }
}

/** pruneRestorePoints drops the restore points of `schema` beyond the newest `keep`. */
async function pruneRestorePoints(pool: pg.Pool, schema: string, keep: number): Promise<string[]> {
  const dropped = (await restorePointsOf(pool, schema)).slice(Math.max(0, keep))
  for (const name of dropped) await pool.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`)
  return dropped
}

/** listPostgresRestorePoints lists a store's restore-point schemas, newest first. */
export async function listPostgresRestorePoints(location: PostgresLocation, schema: string) {
  return withPostgresPool(location, (pool) => restorePointsOf(pool, schemaOf(location, schema)))
}

/** listPostgresRestoreLeftovers lists the scratch schemas of killed restores of a store. */
export async function listPostgresRestoreLeftovers(location: PostgresLocation, schema: string) {
  return withPostgresPool(location, async (pool) => {
    const { rows } = await pool.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname',
      [`${schemaOf(location, schema)}${RESTORING_INFIX}`],
    )
    return rows.map((r) => r.name)
  })
}

/**
 * recoverPostgres puts the newest restore point back as the store's schema, in one statement;
 * refuses while the store's schema exists (there is nothing to recover then).
 */
export async function recoverPostgres(location: PostgresLocation, schema: string) {
  const target = schemaOf(location, schema)
  return withPostgresPool(location, async (pool) => {
    if (await schemaExists(pool, target)) {
      throw new ConflictError(
        `schema ${target} exists; recovering puts a restore point back only where the store is missing`,
      )
    }
    const [newest] = await restorePointsOf(pool, target)
    if (!newest) throw new NotFoundError(`schema ${target} has no restore point to put back`)
    await pool.query(`ALTER SCHEMA ${quoteIdentifier(newest)} RENAME TO ${quoteIdentifier(target)}`)
    return newest
  })
}
