import {
  Database,
  findStore,
  NotFoundError,
  openStore,
  resolveStoreLocation,
  type OpenStore,
  type StoreDefinition,
} from '../core/index.js'
import { CliError, EXIT } from './output.js'
import { STORES } from '../stores/registry.js'

/** selectStores resolves the STORE arguments of a command: none means every registered store. */
export function selectStores(names: readonly string[]): StoreDefinition[] {
  if (names.length === 0) return [...STORES]
  return [...new Set(names)].map(selectStore)
}

/** selectStore resolves one STORE argument; a name genmedia does not know is a usage error. */
export function selectStore(name: string): StoreDefinition {
  try {
    return findStore(STORES, name)
  } catch (error) {
    if (error instanceof NotFoundError) throw new CliError(error.message, EXIT.usage, error.code)
    throw error
  }
}

/**
 * existingLocation is where the configuration puts `definition`'s store, when a database is
 * there; otherwise it fails naming the location and `genmedia init`.
 */
async function existingLocation(definition: StoreDefinition): Promise<string> {
  const { location } = resolveStoreLocation(definition)
  if (!(await Database.exists(location, definition.schema))) {
    throw new CliError(
      `the ${definition.name} store does not exist at ${location}; run genmedia init ${definition.name}`,
    )
  }
  return location
}

/**
 * openExistingStore opens a store that must exist already (a store-specific task has nothing
 * to work on in a store it would create); otherwise it fails naming the location and
 * `genmedia init`.
 */
export async function openExistingStore<Repo>(
  definition: StoreDefinition<Repo>,
): Promise<OpenStore<Repo>> {
  return openStore(definition, { location: await existingLocation(definition) })
}

/**
 * openReadOnly opens a store that must exist, read-only and as it is (not migrated): for
 * commands that only read (export, sql). Fails naming the location and `genmedia init`.
 */
export async function openReadOnly<Repo>(
  definition: StoreDefinition<Repo>,
): Promise<OpenStore<Repo>> {
  return openStore(definition, { location: await existingLocation(definition), readOnly: true })
}
