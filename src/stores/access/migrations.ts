import { type Migration, widenIntegers } from '../../core/index.js'

const initial: Migration = {
  version: 1,
  name: 'api tokens',
  up: (d) => [
    `CREATE TABLE api_tokens (
    id ${d.autoIncrementPrimaryKey},
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    user_id INTEGER,
    is_admin BOOLEAN NOT NULL DEFAULT ${d.booleanLiteral(false)},
    created_at ${d.type('DATETIME')} NOT NULL DEFAULT ${d.currentTimestamp},
    last_used_at ${d.type('DATETIME')},
    revoked_at ${d.type('DATETIME')},
    CONSTRAINT check_token_grants CHECK (user_id IS NOT NULL OR is_admin)
)`,
    'CREATE INDEX idx_api_tokens_active ON api_tokens(revoked_at)',
  ],
  down: () => ['DROP TABLE IF EXISTS api_tokens'],
}

export const migrations: readonly Migration[] = [initial, widenIntegers(2)]
