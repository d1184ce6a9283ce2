import { findStore, type StoreDefinition } from '../core/index.js'
import { aiArtistStore } from './ai-artist/index.js'
import { videoBatchStore } from './video-batch/index.js'
import { imageGenStore } from './image-gen/index.js'
import { trendsStore } from './trends/index.js'
import { metricsStore } from './metrics/index.js'
import { imageLibraryStore } from './image-library/index.js'
import { archiveStore } from './archive/index.js'
import { accessStore } from './access/index.js'

/** Every store genmedia ships, each typed by its own repository, in the order commands list them. */
const REGISTERED = [
  videoBatchStore,
  aiArtistStore,
  imageGenStore,
  trendsStore,
  metricsStore,
  imageLibraryStore,
  archiveStore,
  accessStore,
] as const satisfies readonly StoreDefinition[]

/**
 * STORES is the registry: every store genmedia ships, in the order commands list them. The CLI,
 * the HTTP server, backups and doctor iterate it; a new store is one folder and one line above.
 * `storeNamed` gives one store typed as itself.
 */
export const STORES: readonly StoreDefinition[] = REGISTERED

/** A registered store, typed by its own repository. */
export type RegisteredStore = (typeof REGISTERED)[number]

/** The name of a registered store: `ai-artist`, `image-gen`, … */
export type StoreName = RegisteredStore['name']

/** storeNamed returns the registered store called `name`, typed as that store. */
export function storeNamed<N extends StoreName>(name: N): Extract<RegisteredStore, { name: N }> {
  return findStore(REGISTERED, name) as Extract<RegisteredStore, { name: N }>
}
