import type BetterSqlite3 from 'better-sqlite3'
import type { CompiledQuery, Dialect } from 'kysely'
import type pg from 'pg'
import type { EngineAdoption } from '../adopt/engine.js'
import type { BackupEngine } from '../backup/engine.js'
import type { EngineChecks } from '../checks.js'
import type { CapturedQuery, Database, Executor, OpenOptions } from '../database.js'
import type { SqlDialect } from '../dialect.js'
import type { DoctorCheck } from '../doctor.js'
import type { SchemaSnapshot } from '../inspect.js'
import type { DatabaseSizes, StoreMaintenanceTask } from '../maintenance.js'
import type { PreparedQuery, RowDecoding } from '../prepared.js'
import type { EngineTransfer } from '../transfer/engine.js'

/**
 * Engine is everything genmedia does differently on one database engine, behind one interface:
 * each engine lives in its own folder (`engines/sqlite/`, `engines/postgres/`) and the rest of
 * the core asks the engine object (or one of its capability flags) instead of asking which
 * engine it runs on. `engineFor(location)` (engines/index.ts) picks the engine of a location.
 */
export type EngineName = 'sqlite' | 'postgres'

/** Location is where a store lives, parsed once by the engine that serves it. */
export interface Location {
  readonly engine: EngineName
  /** The location as given. */
  readonly text: string
  /**
   * Where the store is, for reports: the SQLite file (absolute), or the PostgreSQL server's
   * origin (no credentials, no database).
   */
  readonly origin: string
  /** The location with any password hidden, for printing. */
  readonly redacted: string
  /** The schema the location names (`?schema=` on PostgreSQL); undefined where it names none. */
  readonly schema: string | undefined
}

/** EngineConnection is one open database as its engine opened it. */
export interface EngineConnection {
  /** What Kysely runs on. */
  readonly kyselyDialect: Dialect
  /** The SQLite file path, or the PostgreSQL URL with its password hidden. */
  readonly location: string
  /** The PostgreSQL schema; undefined on SQLite. */
  readonly schema: string | undefined
  /** The better-sqlite3 handle (SQLite). */
  readonly sqliteHandle?: BetterSqlite3.Database
  /** The node-postgres pool (PostgreSQL). */
  readonly pgPool?: pg.Pool
  /** Runs once before Kysely releases the connection (SQLite: `PRAGMA optimize`). */
  beforeClose?(): void
}

/**
 * BulkFill writes the values of input `index`, in column order, into `out`: bound as the
 * engine's driver binds them (`Engine.bindValue`) when `direct`, as the query path takes them
 * otherwise.
 */
export type BulkFill = (index: number, out: unknown[], direct: boolean) => void

/** A scratch database doctor migrates to learn the schema its migrations define. */
export interface ScratchDatabase {
  readonly location: string
  readonly schema: string
  /** Removes what the scratch database left behind. */
  dispose(): Promise<void>
}

/** The checks of `genmedia doctor` that differ between engines. */
export interface EngineDoctor<L extends Location = Location> {
  /** Integrity and foreign-key checks. */
  integrity(db: Database): Promise<DoctorCheck[]>
  /** A statement's plan, one line per step, and the tables it reads whole. */
  explain(db: Database, statement: CapturedQuery): Promise<{ plan: string[]; scanned: string[] }>
  /** Where to build a scratch copy of a store's schema beside the store at `location`. */
  scratch(location: L, schema: string): ScratchDatabase
}

/** The maintenance of `genmedia maintain` that differs between engines. */
export interface EngineMaintenance {
  /** The database's size on disk (SQLite: the file and its WAL). */
  measureSizes(db: Database): Promise<DatabaseSizes>
  /** Runs one task and returns the statements run, or why the task does not apply. */
  run(
    db: Database,
    task: StoreMaintenanceTask,
    tasks: ReadonlySet<StoreMaintenanceTask>,
  ): Promise<string>
  /** Runs after the tasks; returns its statement or undefined. */
  finish(db: Database): Promise<string | undefined>
}

/**
 * Engine is one database engine. `L` is the engine's own parsed location: an engine's methods
 * are only ever handed a location its own `parseLocation` returned (engineFor pairs them).
 */
export interface Engine<L extends Location = Location> {
  readonly name: EngineName
  /** The SQL that differs between engines, as migrations and stores ask for it. */
  readonly dialect: SqlDialect
  /** Whether one location holds many stores, a schema each (GENMEDIA_DATABASE_URL). */
  readonly sharesLocation: boolean

  /** parseLocation reads `text` as this engine's location, or returns undefined. */
  parseLocation(text: string): L | undefined
  /** The location with a relative file path resolved against `cwd`. */
  absoluteLocation(location: L, cwd: string): string
  /** The location whose sessions can change nothing (SQLite files are opened read-only). */
  readOnlyLocation(location: L): string

  /** connect opens the database at `location`; see Database.open. */
  connect(location: L, options: OpenOptions): Promise<EngineConnection>
  /** Whether a store database is at `location`, without creating anything. */
  exists(location: L, defaultSchema: string): Promise<boolean>
  /** Deletes a store database entirely; idempotent. */
  drop(location: L, defaultSchema: string): Promise<void>
  /** The database's size in bytes, as the engine reports it. */
  sizeBytes(db: Database): Promise<number>
  /** Whether `error` says a table does not exist. */
  isMissingTable(error: unknown): boolean

  /** Converts a value as the driver binds it on the direct paths (identity where there is none). */
  bindValue(value: unknown): unknown
  /**
   * reuseStatement marks a SQL text that returns no rows as one run many times (a bulk insert's
   * full multi-row INSERT): the engine may prepare it once per connection. Absent where every
   * statement is prepared per run (SQLite's driver caches its statements itself).
   */
  reuseStatement?(text: string): void
  /**
   * insertDirect inserts `count` rows straight through the driver, one run of the single-row
   * INSERT `sql()` per row, and returns `count`; or returns undefined when it cannot here (the
   * caller then uses multi-row INSERTs). With `returned`, `sql()` ends in RETURNING and each
   * row's returned values are handed to it. Absent where every insert goes through Kysely.
   */
  insertDirect?(
    db: Database,
    executor: Executor,
    sql: () => string,
    width: number,
    count: number,
    fill: BulkFill,
    returned?: (row: unknown) => void,
  ): number | undefined
  /**
   * prepareQuery builds a PreparedQuery that runs on the driver directly where it can, through
   * `viaKysely` otherwise (whose rows are decoded already); undefined where this database has
   * no direct path. Given `decoding`, the direct path decodes its rows with it. Absent where
   * every query goes through Kysely.
   */
  prepareQuery?<Row>(
    db: Database,
    compile: () => CompiledQuery,
    viaKysely: (parameters: readonly unknown[]) => Promise<Row[]>,
    decoding?: RowDecoding<Row>,
  ): PreparedQuery<Row> | undefined

  /** The schema as the engine reports it (unsorted; inspectSchema sorts it). */
  introspect(db: Database): Promise<SchemaSnapshot>
  readonly doctor: EngineDoctor<L>
  readonly maintenance: EngineMaintenance
  readonly backup: BackupEngine
  /** How `genmedia adopt` rebuilds a database here. */
  readonly adoption: EngineAdoption
  /** How a migration drops and restores named CHECK constraints here (core `dropChecks`). */
  readonly checks: EngineChecks
  /** Snapshots, loads and read-only queries for copy, export and `genmedia sql`. */
  readonly transfer: EngineTransfer
}

/**
 * isBoundedScan: a statement without WHERE that stops at LIMIT and needs no full sort reads
 * only LIMIT rows, even where its plan walks a table or index from one end.
 */
export function isBoundedScan(sql: string, sorts: boolean): boolean {
  return !/\bwhere\b/i.test(sql) && /\blimit\b/i.test(sql) && !sorts
}
