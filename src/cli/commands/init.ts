import type { Command } from 'commander'
import {
  Database,
  describeStore,
  expectedSchemas,
  isForeignDatabase,
  planAdoption,
  openStore,
  resolveStoreLocation,
  SchemaVersionError,
  seedStore,
  isStoreEmpty,
  type MigrationResult,
  type SeedSummary,
  type StoreDefinition,
  type StoreState,
} from '../../core/index.js'
import { listRestoreLeftovers, listRestorePoints } from '../../core/backup/index.js'
import { CliError, formatBytes, printJson, printTable, run } from '../output.js'
import { selectStores } from '../stores.js'

interface InitOptions {
  seed?: boolean
  check?: boolean
  reset?: boolean
  yes?: boolean
  json?: boolean
}

/** What `init` did to one store, or found with --check. */
export interface InitReport extends Partial<StoreState> {
  store: string
  location: string
  /** The setting that chose the location (a variable name, config/.env, or default). */
  source: string
  /**
   * init: created | migrated | reset | unchanged. --check: ready | missing | stranded (missing,
   * but a restore point of it exists) | empty | outdated | adoptable | incompatible.
   */
  status: string
  migrated?: MigrationResult
  seeded?: SeedSummary
  message?: string
  /** --check: what killed restores left beside the store (scratch files or schemas). */
  leftovers?: string[]
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'create the stores (all, or those named) and bring them to the latest schema; idempotent',
    )
    .argument('[stores...]', 'store names (default: every store)')
    .option('--seed', 'add sample data to stores that are empty')
    .option('--check', 'report each store’s state without changing anything')
    .option('--reset', 'drop each store and create it anew (deletes all its data; needs --yes)')
    .option('--yes', 'confirm --reset')
    .option('--json', 'print JSON instead of a table')
    .action(
      run(async (names: string[], options: InitOptions) => {
        if (options.check && (options.reset || options.seed)) {
          throw new CliError('--check changes nothing, so it cannot go with --reset or --seed', 2)
        }
        const stores = selectStores(names)
        if (options.reset && !options.yes) {
          throw new CliError(
            `--reset deletes every table and row of ${stores.map((s) => s.name).join(', ')}; run again with --yes to confirm`,
            2,
          )
        }
        const reports: InitReport[] = []
        for (const definition of stores) {
          const report = options.check
            ? await checkStore(definition)
            : await initStore(definition, options)
          reports.push(report)
        }
        printReports(reports, options)
        if (options.check) {
          const notReady = reports.filter((r) => r.status !== 'ready')
          if (notReady.length > 0) {
            if (!options.json) {
              const hints = [
                notReady.some((r) => r.status === 'stranded') &&
                  'genmedia restore <store> --recover (stranded stores)',
                notReady.some((r) => r.status === 'adoptable') &&
                  'genmedia adopt (adoptable stores)',
                notReady.some((r) => r.status !== 'stranded' && r.status !== 'adoptable') &&
                  'genmedia init',
              ].filter(Boolean)
              process.stderr.write(
                `genmedia: ${notReady.map((r) => `${r.store} is ${r.status}`).join(', ')}; run ${hints.join(' or ')}\n`,
              )
            }
            return 1
          }
        }
      }),
    )
}

/** initStore creates or migrates one store, optionally reset first and seeded after. */
export async function initStore(
  definition: StoreDefinition,
  options: { seed?: boolean; reset?: boolean },
): Promise<InitReport> {
  const { location, source } = resolveStoreLocation(definition)
  if (options.reset) {
    process.stderr.write(`warning: deleting all data of ${definition.name} at ${location}\n`)
    await Database.drop(location, definition.schema)
  }
  if (!options.reset && (await isForeignDatabase(definition, location))) {
    throw new CliError(
      `${definition.name} at ${location} holds a database genmedia did not create; run genmedia adopt ${definition.name} to take it over with its rows (see docs/adopt.md)`,
    )
  }
  const existed = await Database.exists(location, definition.schema)
  const store = await openStore(definition, { location, migrate: false })
  try {
    const migrated = await store.migrator.migrateTo()
    let seeded: SeedSummary | undefined
    if (options.seed && isStoreEmpty(definition, await describeStore(store))) {
      seeded = await seedStore(store)
    }
    const state = await describeStore(store)
    const status = options.reset
      ? 'reset'
      : !existed || migrated.from === 0
        ? 'created'
        : migrated.applied.length > 0
          ? 'migrated'
          : 'unchanged'
    return { ...state, source, status, migrated, ...(seeded ? { seeded } : {}) }
  } finally {
    await store.close()
  }
}

/**
 * checkStore reports one store's state without creating or changing anything, with what an
 * interrupted restore left: a restore point where the store is missing (stranded), scratch
 * files or schemas beside it.
 */
export async function checkStore(definition: StoreDefinition): Promise<InitReport> {
  const report = await checkState(definition)
  const leftovers = await listRestoreLeftovers(definition, { location: report.location }).catch(
    () => [] as string[],
  )
  if (leftovers.length === 0) return report
  const note = `left by an interrupted restore: ${leftovers.join(', ')} (the next restore removes ${leftovers.length > 1 ? 'them' : 'it'})`
  return {
    ...report,
    leftovers,
    message: report.message ? `${report.message}; ${note}` : note,
  }
}

async function checkState(definition: StoreDefinition): Promise<InitReport> {
  const { location, source } = resolveStoreLocation(definition)
  if (!(await Database.exists(location, definition.schema))) {
    const [point] = await listRestorePoints(definition, { location }).catch(() => [] as string[])
    if (point) {
      return {
        store: definition.name,
        location,
        source,
        status: 'stranded',
        message: `missing, but its restore point ${point} exists (a restore was interrupted): genmedia restore ${definition.name} --recover puts it back`,
      }
    }
    return { store: definition.name, location, source, status: 'missing' }
  }
  if (await isForeignDatabase(definition, location)) {
    const plan = await planAdoption(
      definition,
      location,
      await expectedSchemas(definition, location),
    ).catch((error: unknown) => ({
      status: 'refused' as const,
      tables: [],
      problems: [(error as Error).message],
      shape: null,
    }))
    const rowCounts = Object.fromEntries(plan.tables.map((t) => [t.table, t.rows]))
    return plan.status === 'adoptable'
      ? {
          store: definition.name,
          location,
          source,
          status: 'adoptable',
          rowCounts,
          message: `${plan.shape}: run genmedia adopt ${definition.name}`,
        }
      : {
          store: definition.name,
          location,
          source,
          status: 'incompatible',
          rowCounts,
          message: `not a database genmedia can adopt: ${plan.problems.slice(0, 3).join('; ')}`,
        }
  }
  let store
  try {
    store = await openStore(definition, { location, readOnly: true })
  } catch (error) {
    if (!(error instanceof SchemaVersionError)) throw error
    return {
      store: definition.name,
      location,
      source,
      status: 'incompatible',
      message: error.message,
    }
  }
  try {
    const state = await describeStore(store)
    const status =
      state.schemaVersion === 0
        ? 'empty'
        : state.schemaVersion < state.latestVersion
          ? 'outdated'
          : 'ready'
    return { ...state, source, status }
  } finally {
    await store.close()
  }
}

/**
 * printReports prints stores' states as `init` and `start` show them: a table (a column left
 * blank where a store has no value, as a database left for `adopt`), or JSON; messages after.
 */
export function printReports(reports: InitReport[], options: { json?: boolean }): void {
  if (options.json) {
    printJson(reports)
    return
  }
  printTable(reports, {
    store: (r) => r.store,
    status: (r) => r.status,
    engine: (r) => r.engine ?? '',
    version: (r) => (r.schemaVersion === undefined ? '' : `${r.schemaVersion}/${r.latestVersion}`),
    rows: (r) =>
      r.rowCounts
        ? Object.entries(r.rowCounts)
            .map(([t, n]) => `${t} ${n}`)
            .join('\n')
        : '',
    size: (r) => (r.sizeBytes === undefined ? '' : formatBytes(r.sizeBytes)),
    location: (r) => r.location,
  })
  for (const r of reports) if (r.message) process.stderr.write(`${r.store}: ${r.message}\n`)
}
