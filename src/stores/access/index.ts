import { defineStore } from '../../core/index.js'
import { migrations } from './migrations.js'
import { AccessRepository } from './repository.js'
import { accessTables } from './tables.js'

export { AccessRepository } from './repository.js'
export type * from './tables.js'
export type * from './inputs.js'

/**
 * The access store: genmedia's own, not a seed's. It holds the HTTP API's tokens (hashed), so
 * that backups, doctor and `init` cover it like every other store.
 */
export const accessStore = defineStore({
  name: 'access',
  seed: '—',
  description: 'API tokens of the HTTP server (stored hashed)',
  defaultFile: 'access.db',
  schema: 'genmedia_access',
  migrations,
  tables: accessTables,
  columnsByConstraint: { check_token_grants: 'user_id' },
  createRepository: (db) => new AccessRepository(db),
  namedQueries: {
    authenticate: ['lookup', (r) => r.authenticate('gm_unknown')],
    hasActiveTokens: ['lookup', (r) => r.hasActiveTokens()],
  },
  seedSampleData: async () => ({ api_tokens: 0 }),
})
