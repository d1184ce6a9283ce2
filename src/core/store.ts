import { Database } from './database.js'
import type { TableSearch } from './search/define.js'
import { engineFor } from './engines/index.js'
import { storeLocationFrom, type Env, type StoreLocationOptions } from './config.js'
import { Migrator, type Migration } from './migrator.js'
import { ConflictError, NotFoundError } from './errors.js'
import type { JobPipeline } from './jobs/runner.js'
import { jobQueueRoutes } from './jobs/api.js'
import type { ApiRoute } from './api.js'
import type { StoreCommand } from './command.js'
import type { Table } from './table.js'
import type { StoreAdoption } from './adopt/plan.js'

/** Sample-data summary: rows added per table. */
export type SeedSummary = Record<string, number>

/**
 * StoreDefinition registers one store (one database of one seed): everything the CLI, the HTTP
 * server, backups and doctor need to handle it without store-specific code.
 */
export interface StoreDefinition<Repo = unknown, Name extends string = string> {
  /** CLI and API name, kebab-case: `ai-artist`. */
  name: Name
  /** The seed document it implements: `004`. */
  seed: string
  /** One line for people. */
  description: string
  /** File name under GENMEDIA_DATA_DIR: `ai_artist.db`. */
  defaultFile: string
  /** PostgreSQL schema: `ai_artist`. */
  schema: string
  /** The seed's own location variables, e.g. `TRENDS_DB_PATH`. */
  legacyEnv?: readonly string[]
  migrations: readonly Migration[]
  /**
   * Every table of the store, declared once (defineTables); their row counts describe the
   * store (state, doctor, backups), in this order.
   */
  tables: StoreTables
  /**
   * The tables that hold data rather than configuration the migrations write (default: all
   * of `tables`); the store counts as empty, and `init --seed` seeds it, when these are empty.
   */
  dataTables?: readonly string[]
  /** Named CHECK constraints → the column they guard, for errors that name the column. */
  columnsByConstraint?: Readonly<Record<string, string>>
  createRepository(db: Database): Repo
  /**
   * The store's named queries (every query its seed shows, and the lists its repository pages
   * through), each as a call with sample arguments that works on the sample data. Doctor
   * EXPLAINs the SQL each one sends; the benchmarks time them at scale.
   */
  namedQueries: readonly NamedQuery<Repo>[]
  /**
   * The store's searchable tables (defineSearch, next to the table declarations): what
   * `genmedia search` reads. The repository's lists search the same ones.
   */
  search?: Readonly<Record<string, TableSearch<any>>>
  /** The store's HTTP routes, mounted under `/api/<name>` by `genmedia serve`. */
  api?: readonly ApiRoute<Repo>[]
  /**
   * exportScope: for each table a user may export, the SQL condition selecting that user's rows
   * (`userId` is a whole number the server has authenticated), for an export by a user token
   * (`GET /api/<store>/export/<table>.ndjson`). Stores without users leave it out: only admins
   * export them.
   */
  exportScope?(userId: number): Readonly<Record<string, string>>
  /** The store's upkeep tasks, run as `genmedia <name> <command>`. */
  commands?: readonly StoreCommand<Repo>[]
  /** The store's job lifecycle, run by `genmedia worker` and shown by `genmedia jobs`. */
  jobs?: JobPipeline<Repo>
  /** Adds sample data to a freshly migrated store. */
  seedSampleData(repo: Repo, db: Database): Promise<SeedSummary>
  /** Which databases of its seed's own scripts the store recognises, for `genmedia adopt`. */
  adopt?: StoreAdoption
  /**
   * How the store's rows refer to objects of the blob store (GENMEDIA_STORAGE_URL), for stores
   * that keep files there: backups then hold those objects, restore brings them back and doctor
   * checks them.
   */
  blobs?: StoreBlobs
}

/** StoreBlobs says how a store's rows refer to objects of the blob store. */
export interface StoreBlobs {
  /**
   * One read-only statement giving a row per reference: `source` (the table), `id`, `path` (the
   * object as `<bucket>/<key>`) and `size` (the bytes the row records, or null).
   */
  references: string
  /** The key prefixes the store writes objects under; objects there no row refers to are orphans. */
  prefixes: readonly string[]
  /** The store command that removes orphans (`genmedia <store> <sweep>`), named by doctor. */
  sweep?: string
}

/** NamedQuery is one of a store's queries, runnable with sample arguments. */
export interface NamedQuery<Repo> {
  name: string
  /** lookup and list queries must use an index; aggregations are reported as they are. */
  kind: 'lookup' | 'list' | 'aggregate'
  run(repo: Repo): Promise<unknown>
}

/** StoreTables are a store's declared tables, by name. */
export type StoreTables = Readonly<Record<string, Table<any, string>>>

/**
 * NamedQueries declares a store's named queries by name, in the order they are reported: each
 * its kind and its call with sample arguments (`{ getImage: ['lookup', (r) => r.getImage(1)] }`).
 */
export type NamedQueries<Repo> = Readonly<
  Record<string, readonly [NamedQuery<Repo>['kind'], NamedQuery<Repo>['run']]>
>

/** What `defineStore` accepts: a StoreDefinition whose named queries are declared by name. */
export type StoreDeclaration<Repo, Name extends string> = Omit<
  StoreDefinition<Repo, Name>,
  'namedQueries'
> & { namedQueries: NamedQueries<Repo> }

/** defineStore registers a store; its name's type is kept, so registries look stores up by it. */
export function defineStore<Repo, const Name extends string>(
  declaration: StoreDeclaration<Repo, Name>,
): StoreDefinition<Repo, Name> {
  const namedQueries = Object.entries(declaration.namedQueries).map(([name, [kind, run]]) => ({
    name,
    kind,
    run,
  }))
  const definition = { ...declaration, namedQueries }
  // A store with a job lifecycle serves its queue too (`/api/<store>/queue…`).
  if (!definition.jobs) return definition
  return { ...definition, api: [...(definition.api ?? []), ...jobQueueRoutes(definition.jobs)] }
}

/** tableNamesOf lists a store's tables in their order. */
export function tableNamesOf(definition: StoreDefinition): string[] {
  return Object.keys(definition.tables)
}

export interface OpenStoreOptions {
  /** A SQLite path or postgres:// URL; default: resolved from the environment. */
  location?: string
  env?: Env
  cwd?: string
  /** Apply pending migrations on open (default true). A newer database is refused either way. */
  migrate?: boolean
  /**
   * Open without creating or changing anything (implies migrate: false): a SQLite file
   * read-only, PostgreSQL sessions with default_transaction_read_only.
   */
  readOnly?: boolean
  poolSize?: number
}

/** OpenStore is an open store: its database, repository and migrator. */
export interface OpenStore<Repo = unknown> {
  readonly definition: StoreDefinition<Repo>
  readonly db: Database
  readonly repo: Repo
  readonly migrator: Migrator
  close(): Promise<void>
}

/**
 * existingStoreLocation is where `definition`'s database lives (storeLocationFrom), for a task
 * that needs it to exist already (a backup, maintenance): NotFoundError, naming `genmedia init`,
 * when there is none.
 */
export async function existingStoreLocation(
  definition: StoreDefinition,
  options: StoreLocationOptions,
): Promise<string> {
  const location = storeLocationFrom(definition, options)
  if (!(await Database.exists(location, definition.schema))) {
    throw new NotFoundError(
      `${definition.name} has no database at ${location}; run genmedia init ${definition.name}`,
    )
  }
  return location
}

export function createMigrator(definition: StoreDefinition, db: Database): Migrator {
  return new Migrator(db, definition.migrations, `genmedia:migrate:${definition.schema}`)
}

/**
 * openStore opens a store's database, refuses one from a newer genmedia (SchemaVersionError),
 * applies pending migrations unless `migrate: false`, and builds its repository.
 */
export async function openStore<Repo>(
  definition: StoreDefinition<Repo>,
  options: OpenStoreOptions = {},
): Promise<OpenStore<Repo>> {
  const resolved = storeLocationFrom(definition, options)
  const location = options.readOnly ? readOnlyLocation(resolved) : resolved
  const db = await Database.open(location, {
    schema: definition.schema,
    columnsByConstraint: definition.columnsByConstraint,
    poolSize: options.poolSize,
    create: !options.readOnly,
  }).catch((error: unknown) => {
    // The engine names the recovery command without knowing the store's name.
    if (error instanceof ConflictError && error.message.includes('restore <store> --recover')) {
      throw new ConflictError(error.message.replace('<store>', definition.name))
    }
    throw error
  })
  try {
    const migrator = createMigrator(definition, db)
    if (options.migrate === false || options.readOnly) await migrator.check()
    else await migrator.migrateTo()
    const repo = definition.createRepository(db)
    return {
      definition,
      db,
      migrator,
      repo,
      async close() {
        // A repository holding resources of its own (a blob store client) releases them first.
        await (repo as { close?: () => Promise<void> }).close?.()
        await db.close()
      },
    }
  } catch (error) {
    await db.close()
    throw error
  }
}

/**
 * readOnlyLocation makes a PostgreSQL location's sessions read-only, so that a store opened
 * read-only can change nothing there either (SQLite files are opened read-only).
 */
function readOnlyLocation(location: string): string {
  const { engine, location: parsed } = engineFor(location)
  return engine.readOnlyLocation(parsed)
}

/** isStoreEmpty tells whether a store holds no data (its dataTables are empty). */
export function isStoreEmpty(definition: StoreDefinition, state: StoreState): boolean {
  return (definition.dataTables ?? tableNamesOf(definition)).every(
    (t) => (state.rowCounts[t] ?? 0) === 0,
  )
}

/** seedStore adds a store's sample data and refreshes the planner's statistics. */
export async function seedStore(store: OpenStore): Promise<SeedSummary> {
  const summary = await store.definition.seedSampleData(store.repo, store.db)
  await store.db.analyze()
  return summary
}

/** StoreState is what `init --check`, `start` and the API report of a store. */
export interface StoreState {
  store: string
  seed: string
  engine: string
  location: string
  schema: string | null
  schemaVersion: number
  latestVersion: number
  rowCounts: Record<string, number>
  sizeBytes: number
}

/** describeStore reads a store's state without changing it. */
export async function describeStore(store: OpenStore): Promise<StoreState> {
  const { db, definition } = store
  const rowCounts: Record<string, number> = {}
  const version = await store.migrator.currentVersion()
  for (const table of tableNamesOf(definition)) {
    if (version === 0) {
      rowCounts[table] = 0
      continue
    }
    const [row] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)
    rowCounts[table] = Number(row?.n ?? 0)
  }
  return {
    store: definition.name,
    seed: definition.seed,
    engine: db.engine,
    location: db.location,
    schema: db.schema ?? null,
    schemaVersion: version,
    latestVersion: store.migrator.latestVersion,
    rowCounts,
    sizeBytes: await db.sizeBytes(),
  }
}

/** storeOf returns the open store of `definition` among `stores`, typed as that store. */
export function storeOf<Repo>(
  stores: readonly OpenStore[],
  definition: StoreDefinition<Repo>,
): OpenStore<Repo> | undefined {
  return stores.find((s): s is OpenStore<Repo> => s.definition === definition)
}

/** findStore looks a store up by name in a registry, or throws NotFoundError listing the names. */
export function findStore<S extends StoreDefinition>(registry: readonly S[], name: string): S {
  const found = registry.find((s) => s.name === name)
  if (!found) {
    throw new NotFoundError(
      `no store named ${name}; stores: ${registry.map((s) => s.name).join(', ')}`,
    )
  }
  return found
}
