import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { changeChecks, describeChecks, type CheckChange } from './checks.js'
import type { Database, Executor } from './database.js'
import type { SqlDialect } from './dialect.js'
import { SchemaVersionError } from './errors.js'

/**
 * Migration is one reversible schema step, written once for both engines: `up` and `down`
 * return the SQL statements to run, built with the dialect's helpers.
 */
export interface Migration {
  /** 1, 2, 3, … in order, without gaps. */
  version: number
  name: string
  up(dialect: SqlDialect): string[]
  down(dialect: SqlDialect): string[]
  /**
   * Named CHECK constraints the step removes after `up`'s statements and restores before
   * `down`'s (core `dropChecks`): where the engine cannot drop a constraint (SQLite) the table
   * is rebuilt, with foreign keys switched off around the step's transaction.
   */
  dropsChecks?: CheckChange
}

/** The statement that drops the index a `CREATE [UNIQUE] INDEX name ON …` statement makes. */
export function dropIndexOf(createIndex: string): string {
  const name = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)/i.exec(createIndex)?.[1]
  if (!name) throw new Error(`not a CREATE INDEX statement: ${createIndex}`)
  return `DROP INDEX ${name}`
}

/** indexesMigration creates `indexes` (their CREATE INDEX statements) and drops them going down. */
export function indexesMigration(
  version: number,
  name: string,
  indexes: readonly string[],
): Migration {
  return {
    version,
    name,
    up: () => [...indexes],
    down: () => indexes.map(dropIndexOf).reverse(),
  }
}

export const MIGRATION_TABLE = 'genmedia_migrations'

export type MigrationState = 'applied' | 'pending' | 'modified' | 'unknown'

export interface MigrationStatus {
  version: number
  name: string
  state: MigrationState
  appliedAt: string | null
}

export interface MigrationResult {
  from: number
  to: number
  applied: number[]
  reverted: number[]
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
  applied_at: string
}

/** checksumOf is the SHA-256 of the SQL a migration runs on this engine. */
export function checksumOf(migration: Migration, dialect: SqlDialect): string {
  const statements = [...migration.up(dialect)]
  if (migration.dropsChecks) statements.push(describeChecks(migration.dropsChecks))
  return createHash('sha256').update(statements.join('\n;\n')).digest('hex')
}

/**
 * runMigrationStep runs one step of `migration` inside `trx`: `up`'s statements then the CHECK
 * constraints it drops, or those restored then `down`'s statements. It does not record the
 * step. A step that drops checks on SQLite needs the engine's `checks.before` statements run
 * on the connection first (foreign keys off).
 */
export async function runMigrationStep(
  db: Database,
  trx: Executor,
  migration: Migration,
  direction: 'up' | 'down',
): Promise<void> {
  const run = async (statements: string[]) => {
    for (const statement of statements) await db.query(statement, [], trx)
  }
  if (direction === 'up') {
    await run(migration.up(db.dialect))
    if (migration.dropsChecks) await changeChecks(db, trx, migration.dropsChecks, 'up')
  } else {
    if (migration.dropsChecks) await changeChecks(db, trx, migration.dropsChecks, 'down')
    await run(migration.down(db.dialect))
  }
}

/**
 * Migrator applies a store's migrations to one database. Every step runs in its own transaction
 * holding the migration lock, and re-reads the applied versions under that lock, so two
 * processes migrating at once apply each step exactly once.
 */
export class Migrator {
  readonly #db: Database
  readonly #migrations: readonly Migration[]
  readonly #lockKey: string

  constructor(db: Database, migrations: readonly Migration[], lockKey: string) {
    migrations.forEach((m, i) => {
      if (m.version !== i + 1) {
        throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`)
      }
    })
    this.#db = db
    this.#migrations = migrations
    this.#lockKey = lockKey
  }

  /** The newest version this code knows. */
  get latestVersion(): number {
    return this.#migrations.length
  }

  /** currentVersion is the highest applied version, 0 for an empty database. */
  async currentVersion(): Promise<number> {
    const applied = await this.#readApplied()
    return applied.reduce((max, row) => Math.max(max, row.version), 0)
  }

  /** status lists every known migration and any applied one the code does not know. */
  async status(): Promise<MigrationStatus[]> {
    const applied = new Map((await this.#readApplied()).map((row) => [row.version, row]))
    const list: MigrationStatus[] = this.#migrations.map((m) => {
      const row = applied.get(m.version)
      applied.delete(m.version)
      if (!row) return { version: m.version, name: m.name, state: 'pending', appliedAt: null }
      const state = row.checksum === checksumOf(m, this.#db.dialect) ? 'applied' : 'modified'
      return { version: m.version, name: m.name, state, appliedAt: row.applied_at }
    })
    for (const row of applied.values()) {
      list.push({
        version: row.version,
        name: row.name,
        state: 'unknown',
        appliedAt: row.applied_at,
      })
    }
    return list.sort((a, b) => a.version - b.version)
  }

  /**
   * check throws SchemaVersionError when the database is newer than the code or an applied
   * migration has been edited since it ran. Pending migrations are not an error.
   */
  async check(): Promise<void> {
    const status = await this.status()
    const unknown = status.filter((s) => s.state === 'unknown')
    if (unknown.length > 0) {
      const newest = Math.max(...unknown.map((s) => s.version))
      throw new SchemaVersionError(
        `${this.#describe()} is at schema version ${newest}, newer than this genmedia's ${this.latestVersion}: upgrade genmedia to open it`,
      )
    }
    const modified = status.find((s) => s.state === 'modified')
    if (modified) {
      throw new SchemaVersionError(
        `migration ${modified.version} (${modified.name}) of ${this.#describe()} was changed after it was applied: its checksum no longer matches`,
      )
    }
  }

  /**
   * migrateTo brings the database to `target` (default: latest), applying `up` or `down` steps
   * in order. Idempotent: at the target it does nothing.
   */
  async migrateTo(target = this.latestVersion): Promise<MigrationResult> {
    if (!Number.isInteger(target) || target < 0 || target > this.latestVersion) {
      throw new SchemaVersionError(
        `cannot migrate ${this.#describe()} to version ${target}: versions run from 0 to ${this.latestVersion}`,
      )
    }
    await this.check()
    const from = await this.currentVersion()
    const result: MigrationResult = { from, to: from, applied: [], reverted: [] }
    for (;;) {
      // The connection is set up (foreign keys off on SQLite) before the transaction of a step
      // that drops checks, for the step read here without the lock; under the lock a step
      // other than the one prepared for (another process migrated meanwhile) is left for the
      // next round.
      const prepared = this.#stepFrom(await this.currentVersion(), target)
      const setup = prepared?.dropsChecks ? this.#db.engineImpl.checks : undefined
      for (const statement of setup?.before ?? []) await this.#db.query(statement)
      let step: { direction: 'up' | 'down'; version: number } | 'again' | undefined
      try {
        step = await this.#withLock(async (trx) => {
          const current = (await this.#readApplied(trx)).reduce((m, r) => Math.max(m, r.version), 0)
          const next = this.#stepFrom(current, target)
          if (!next) return undefined
          if (next !== prepared && (next.dropsChecks || prepared?.dropsChecks))
            return 'again' as const
          const direction = current < target ? ('up' as const) : ('down' as const)
          await runMigrationStep(this.#db, trx, next, direction)
          if (direction === 'up') {
            await this.#db.query(
              `INSERT INTO ${MIGRATION_TABLE} (version, name, checksum, applied_at) VALUES (${this.#params(4)})`,
              [
                next.version,
                next.name,
                checksumOf(next, this.#db.dialect),
                new Date().toISOString(),
              ],
              trx,
            )
          } else {
            await this.#db.query(
              `DELETE FROM ${MIGRATION_TABLE} WHERE version = ${this.#params(1)}`,
              [next.version],
              trx,
            )
          }
          return { direction, version: next.version }
        })
      } finally {
        for (const statement of setup?.after ?? []) await this.#db.query(statement)
      }
      if (step === 'again') continue
      if (!step) break
      if (step.direction === 'up') {
        result.applied.push(step.version)
        result.to = step.version
      } else {
        result.reverted.push(step.version)
        result.to = step.version - 1
      }
    }
    return result
  }

  /** The migration that takes a database at `current` one step towards `target`, if any. */
  #stepFrom(current: number, target: number): Migration | undefined {
    if (current < target) return this.#migrations[current]
    if (current > target) return this.#migrations[current - 1]
    return undefined
  }

  async #withLock<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (trx) => {
      const lock = this.#db.dialect.transactionLock(this.#lockKey)
      if (lock) await this.#db.query(lock, [], trx)
      await this.#db.query(
        `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`,
        [],
        trx,
      )
      return fn(trx)
    })
  }

  async #readApplied(executor?: Transaction<any>): Promise<AppliedRow[]> {
    try {
      return await this.#db.query<AppliedRow>(
        `SELECT version, name, checksum, applied_at FROM ${MIGRATION_TABLE} ORDER BY version`,
        [],
        executor,
      )
    } catch (error) {
      if (this.#db.engineImpl.isMissingTable(error)) return []
      throw error
    }
  }

  #params(count: number): string {
    return Array.from({ length: count }, (_, i) => this.#db.dialect.parameter(i + 1)).join(', ')
  }

  #describe(): string {
    return this.#db.schema ? `schema ${this.#db.schema} at ${this.#db.location}` : this.#db.location
  }
}

/**
 * widenIntegers is the migration that makes a store's integer columns 64-bit on every engine
 * (SQLite's INTEGER already is; on PostgreSQL each INTEGER becomes BIGINT), so that ids,
 * counts, sizes and seeds past 2^31 are stored alike. `keep` names the columns (`table.column`)
 * created 64-bit, which `down` leaves as they are.
 */
export function widenIntegers(version: number, keep: readonly string[] = []): Migration {
  return {
    version,
    name: 'integers_64_bit',
    up: (d) => d.widenIntegers(),
    down: (d) => d.narrowIntegers(keep),
  }
}

/** The names a statement of `statements` captures with `pattern`, last created first. */
function createdBy(statements: readonly string[], pattern: RegExp): string[][] {
  return statements
    .map((s) => pattern.exec(s)?.slice(1))
    .filter((names): names is string[] => names !== undefined)
    .reverse()
}

/**
 * initialSchema is a seed store's first migration: the seed's own DDL (`statements`, hand-written
 * for both engines), after the functions PostgreSQL needs to run the seeds' SQL. Its `down`
 * drops what `up` created, last created first: the triggers, the views, the tables (their
 * indexes with them), then those functions.
 */
export function initialSchema(name: string, statements: (d: SqlDialect) => string[]): Migration {
  return {
    version: 1,
    name,
    up: (d) => [...d.compatibilityFunctions(), ...statements(d)],
    down: (d) => {
      const made = statements(d)
      return [
        ...createdBy(made, /^CREATE TRIGGER (\w+) [^]*? ON (\w+) /).flatMap(([trigger, table]) =>
          d.dropTrigger(trigger!, table!),
        ),
        ...createdBy(made, /^CREATE VIEW (\w+)/).map(([view]) => `DROP VIEW IF EXISTS ${view}`),
        ...createdBy(made, /^CREATE TABLE (\w+)/).map(([table]) => `DROP TABLE IF EXISTS ${table}`),
        ...d.dropCompatibilityFunctions(),
      ]
    },
  }
}
