import { spawn } from 'node:child_process'
import type pg from 'pg'
import type {
  BackupEngine,
  BlobReference,
  RestoreOutcome,
  RestoreRequest,
} from '../../backup/engine.js'
import type { BackupManifest } from '../../backup/manifest.js'
import { ConfigError, GenmediaError } from '../../errors.js'
import { MIGRATION_TABLE } from '../../migrator.js'
import { tableNamesOf } from '../../store.js'
import { quoteIdentifier, schemaOf, settleTransaction } from './connection.js'
import { parsePostgresLocation } from './location.js'
import {
  listPostgresRestoreLeftovers,
  listPostgresRestorePoints,
  recoverPostgres,
  restorePostgres,
} from './restore.js'

/** What to install when a PostgreSQL client tool is missing. */
const INSTALL_HINT =
  'install the PostgreSQL client tools of the server’s major version (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq) and put them on PATH'

interface ToolResult {
  stdout: string
  stderr: string
}

/**
 * runTool runs a PostgreSQL client tool (pg_dump, pg_restore) and returns its output; throws
 * ConfigError naming what to install when it is not on PATH, GenmediaError with its message
 * when it fails.
 */
export function runTool(tool: string, args: readonly string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new ConfigError(`${tool} is not on PATH: ${INSTALL_HINT}`)
          : error,
      )
    })
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr })
      else {
        const message = stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${code}`
        reject(new GenmediaError('tool_failed', `${tool} failed: ${message}`))
      }
    })
  })
}

async function readSnapshot(
  client: pg.PoolClient | pg.Pool,
  schema: string,
  tables: readonly string[],
) {
  const { rows } = await client.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [`${quoteIdentifier(schema)}.${MIGRATION_TABLE}`],
  )
  let schemaVersion = 0
  if (rows[0]?.present) {
    const result = await client.query<{ v: number | null }>(
      `SELECT MAX(version) AS v FROM ${quoteIdentifier(schema)}.${MIGRATION_TABLE}`,
    )
    schemaVersion = Number(result.rows[0]?.v ?? 0)
  }
  // Every store table the schema has (a database genmedia did not make, backed up before adopt
  // takes it over, may lack the tables genmedia adds).
  const rowCounts: Record<string, number> = {}
  for (const table of tables) {
    const found = await client.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [`${quoteIdentifier(schema)}.${quoteIdentifier(table)}`],
    )
    if (!found.rows[0]?.present) continue
    const result = await client.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    )
    rowCounts[table] = Number(result.rows[0]?.n ?? 0)
  }
  return { schemaVersion, rowCounts }
}

/**
 * postgresBackupEngine dumps a store's schema with `pg_dump --format=custom`, taken in a
 * snapshot exported from a REPEATABLE READ transaction in which the row counts are read too, so
 * the manifest describes exactly what the dump holds. Verification lists the dump with
 * `pg_restore --list`; restore swaps the dump in within one transaction (restore.ts).
 */
export const postgresBackupEngine: BackupEngine = {
  extension: 'dump',

  async snapshot(db, location, definition, destination, onProgress) {
    const pgLocation = parsePostgresLocation(location)!
    const schema = schemaOf(pgLocation, definition.schema)
    // Fail before holding a snapshot when the tool is missing.
    await runTool('pg_dump', ['--version'])
    const client = await db.pgPool!.connect()
    return settleTransaction(client, async () => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')
      const snapshot = {
        ...(await readSnapshot(client, schema, tableNamesOf(definition))),
        blobReferences: [] as BlobReference[],
      }
      if (definition.blobs && snapshot.schemaVersion > 0) {
        // The store's statement names its tables unqualified, as in the store's own schema.
        await client.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`)
        const { rows: refs } = await client.query<BlobReference>(definition.blobs.references)
        snapshot.blobReferences = refs.map((r) => ({
          ...r,
          id: Number(r.id),
          size: r.size === null ? null : Number(r.size),
        }))
      }
      onProgress?.({ phase: 'dump', done: 0, total: 1 })
      await runTool('pg_dump', [
        '--format=custom',
        `--schema=${quoteIdentifier(schema)}`,
        `--snapshot=${rows[0]!.id}`,
        `--file=${destination}`,
        `--dbname=${pgLocation.connectionString}`,
      ])
      onProgress?.({ phase: 'dump', done: 1, total: 1 })
      return snapshot
    })
  },

  async verifyFile(path: string, manifest: BackupManifest): Promise<string[]> {
    let listing: string
    try {
      listing = (await runTool('pg_restore', ['--list', path])).stdout
    } catch (error) {
      if (error instanceof ConfigError) throw error
      return [`pg_restore --list: ${(error as Error).message}`]
    }
    const problems: string[] = []
    for (const table of Object.keys(manifest.rowCounts)) {
      const entry = new RegExp(`\\bTABLE DATA ${manifest.schema} ${table}\\b`)
      if (!entry.test(listing)) problems.push(`the dump holds no data of table ${table}`)
    }
    return problems
  },

  restore(request: RestoreRequest): Promise<RestoreOutcome> {
    return restorePostgres(request, runTool)
  },

  restorePoints({ location, definition }) {
    return listPostgresRestorePoints(parsePostgresLocation(location)!, definition.schema)
  },

  leftovers({ location, definition }) {
    return listPostgresRestoreLeftovers(parsePostgresLocation(location)!, definition.schema)
  },

  recover({ location, definition }) {
    return recoverPostgres(parsePostgresLocation(location)!, definition.schema)
  },
}
