import type { Command } from 'commander'
import {
  Database,
  openStore,
  redactLocation,
  resolveStoreLocation,
  type MigrationResult,
  type MigrationStatus,
  type StoreDefinition,
} from '../../core/index.js'
import { CliError, printJson, printTable, run } from '../output.js'
import { selectStore } from '../stores.js'

interface MigrateOptions {
  to?: string
  json?: boolean
}

export function registerMigrate(program: Command): void {
  const migrate = program
    .command('migrate')
    .description('apply, revert or list the schema migrations of one store')

  migrate
    .command('up')
    .description('apply pending migrations (to the latest, or up to --to VERSION)')
    .argument('<store>', 'store name')
    .option('--to <version>', 'stop at this version')
    .option('--json', 'print JSON')
    .action(run(async (name: string, options: MigrateOptions) => migrateStore(name, 'up', options)))

  migrate
    .command('down')
    .description('revert migrations (the newest one, or down to --to VERSION; 0 empties the store)')
    .argument('<store>', 'store name')
    .option('--to <version>', 'revert down to this version')
    .option('--json', 'print JSON')
    .action(
      run(async (name: string, options: MigrateOptions) => migrateStore(name, 'down', options)),
    )

  migrate
    .command('status')
    .description('list applied and pending migrations')
    .argument('<store>', 'store name')
    .option('--json', 'print JSON')
    .action(
      run(async (name: string, options: MigrateOptions) => {
        const definition = selectStore(name)
        const { location } = resolveStoreLocation(definition)
        const status = await migrationStatus(definition, location)
        if (options.json) {
          printJson({ store: name, location: redactLocation(location), migrations: status })
        } else {
          printTable(status, {
            version: (m) => m.version,
            name: (m) => m.name,
            state: (m) => m.state,
            applied: (m) => m.appliedAt ?? '',
          })
        }
      }),
    )
}

/**
 * migrationStatus lists a store's migrations; a store that does not exist yet has every one
 * pending, and is not created to say so (status only reads).
 */
async function migrationStatus(
  definition: StoreDefinition,
  location: string,
): Promise<MigrationStatus[]> {
  if (!(await Database.exists(location, definition.schema))) {
    return definition.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      state: 'pending',
      appliedAt: null,
    }))
  }
  const store = await openStore(definition, { location, migrate: false })
  try {
    return await store.migrator.status()
  } finally {
    await store.close()
  }
}

async function migrateStore(
  name: string,
  direction: 'up' | 'down',
  options: MigrateOptions,
): Promise<void> {
  const definition = selectStore(name)
  const { location } = resolveStoreLocation(definition)
  // A bad --to is refused before the store is opened (and, where missing, created).
  const to = parseVersion(options.to, definition.migrations.length)
  const store = await openStore(definition, { location, migrate: false })
  try {
    const current = await store.migrator.currentVersion()
    const target =
      to ?? (direction === 'up' ? store.migrator.latestVersion : Math.max(0, current - 1))
    if (direction === 'up' && target < current) {
      throw new CliError(`${name} is at version ${current}; use migrate down to go to ${target}`, 2)
    }
    if (direction === 'down' && target > current) {
      throw new CliError(`${name} is at version ${current}; use migrate up to go to ${target}`, 2)
    }
    const result: MigrationResult = await store.migrator.migrateTo(target)
    if (options.json) {
      printJson({ store: name, location: store.db.location, ...result })
    } else {
      const steps = [...result.applied.map((v) => `+${v}`), ...result.reverted.map((v) => `-${v}`)]
      process.stdout.write(
        `${name}: version ${result.from} → ${result.to}${steps.length ? ` (${steps.join(' ')})` : ' (nothing to do)'}\n`,
      )
    }
  } finally {
    await store.close()
  }
}

/** parseVersion reads `--to`: undefined when not given, else a version from 0 to `latest`. */
function parseVersion(to: string | undefined, latest: number): number | undefined {
  if (to === undefined) return undefined
  const version = Number(to)
  if (!/^\d+$/.test(to) || version > latest) {
    throw new CliError(`--to must be a version from 0 to ${latest}, got ${to}`, 2)
  }
  return version
}
