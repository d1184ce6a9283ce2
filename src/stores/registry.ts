import type { StoreDefinition } from '../core/index.js'
import { aiArtistStore } from './ai-artist/index.js'
import { videoBatchStore } from './video-batch/index.js'
import { imageGenStore } from './image-gen/index.js'
import { trendsStore } from './trends/index.js'
import { metricsStore } from './metrics/index.js'
import { imageLibraryStore } from './image-library/index.js'
import { archiveStore } from './archive/index.js'
import { accessStore } from './access/index.js'

/**
 * STORES is the registry: every store genmedia ships, in the order commands list them. The CLI,
 * the HTTP server, backups and doctor iterate it; a new store is one folder and one line here.
 */
export const STORES: readonly StoreDefinition<any>[] = [
  videoBatchStore,
  aiArtistStore,
  imageGenStore,
  trendsStore,
  metricsStore,
  imageLibraryStore,
  archiveStore,
  accessStore,
]
