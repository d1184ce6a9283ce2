import type { FastifyInstance } from 'fastify'
import {
  ConfigError,
  expectedSchemas,
  isForeignDatabase,
  openStore,
  planAdoption,
  resolveStoreLocation,
  storeOf,
  type OpenStore,
  type StoreDefinition,
} from '../core/index.js'
import { engineFor } from '../core/engines/index.js'
import { STORES } from '../stores/registry.js'
import { accessStore } from '../stores/access/index.js'
import { openBlobStore } from '../storage/index.js'
import { buildApp } from './app.js'
import { isLoopback } from './auth.js'
import { StoreStatus } from './store-status.js'

export interface ServeOptions {
  host: string
  port: number
  /** pino logging of every request (on by default for `genmedia serve`). */
  log?: boolean
}

export interface RunningServer {
  app: FastifyInstance
  url: string
  /** Whether requests without a token are accepted (loopback, no tokens). */
  open: boolean
  /** Stops accepting, lets requests in flight finish, then closes every store. */
  close(): Promise<void>
}

/**
 * startServer opens every registered store (migrating it), refuses to listen on a non-loopback
 * address while no API token exists, and serves the API.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const stores: OpenStore[] = []
  // Every setting is read now, so that a bad one (GENMEDIA_STORAGE_URL) stops serve at once with
  // its one-line message instead of failing each upload later.
  const blobs = openBlobStore()
  try {
    // A pipeline's own database is not opened (migrating it would fail): it waits for adopt.
    const adoptable: Record<string, unknown>[] = []
    const served: StoreDefinition[] = []
    for (const definition of STORES) {
      const { location } = resolveStoreLocation(definition)
      if (await isForeignDatabase(definition, location)) {
        const plan = await planAdoption(
          definition,
          location,
          await expectedSchemas(definition, location),
        )
        adoptable.push({
          store: definition.name,
          seed: definition.seed,
          engine: engineFor(location).engine.name,
          location: plan.location,
          schema: null,
          schemaVersion: 0,
          latestVersion: definition.migrations.length,
          rowCounts: Object.fromEntries(
            plan.tables.filter((t) => t.present).map((t) => [t.table, t.rows]),
          ),
          sizeBytes: 0,
          status: plan.status === 'adoptable' ? 'adoptable' : 'incompatible',
          message:
            plan.status === 'adoptable'
              ? `run genmedia adopt ${definition.name}`
              : plan.problems.join('; '),
        })
        continue
      }
      stores.push(await openStore(definition))
      served.push(definition)
    }
    const access = storeOf(stores, accessStore)!.repo
    const hasTokens = await access.hasActiveTokens()
    if (!isLoopback(options.host) && !hasTokens) {
      throw new ConfigError(
        `refusing to serve on ${options.host} without API tokens: create one with \`genmedia token create --admin\`, or bind 127.0.0.1`,
      )
    }
    const status = new StoreStatus()
    const app = await buildApp({
      stores,
      host: options.host,
      logger: options.log === false ? false : { level: 'info' },
      describeExtra: (store) => status.describe(store),
      adoptable,
      blobs,
    })
    const url = await app.listen({ host: options.host, port: options.port })
    status.start(served)
    const close = async () => {
      await app.close()
      await status.stop()
      for (const store of stores) await store.close()
      await blobs.close()
    }
    return { app, url, open: !hasTokens, close }
  } catch (error) {
    for (const store of stores) await store.close()
    await blobs.close()
    throw error
  }
}

/** closeOnSignals shuts the server down gracefully on SIGINT and SIGTERM. */
export function closeOnSignals(server: RunningServer): void {
  let closing = false
  const stop = (signal: string) => {
    if (closing) return
    closing = true
    server.app.log.info(`${signal}: finishing requests in flight, then closing`)
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}
