import { col, defineRow, defineTables, type Row, type TablesOf } from '../../core/index.js'

/** The access store's table: the HTTP API's tokens, each stored as the SHA-256 of its secret. */
export const accessTables = defineTables({
  api_tokens: {
    id: col.id(),
    name: col.text().check((s) => s.min(1)),
    token_hash: col.text(),
    prefix: col.text(),
    /** The image-gen user the token acts as. */
    user_id: col
      .integer()
      .nullable()
      .check((s) => s.positive()),
    /** Whether the token reaches every store; a token has a user, this, or both. */
    is_admin: col.boolean().defaulted(),
    created_at: col.timestamp().defaulted(),
    last_used_at: col.timestamp().nullable(),
    revoked_at: col.timestamp().nullable(),
  },
})

/** The tables as Kysely sees them. */
export type AccessTables = TablesOf<typeof accessTables>

// A token as callers see it: every column but its hash.
const { token_hash: _hash, ...publicColumns } = accessTables.api_tokens.columns

/** apiToken is a token's record; the secret itself is never stored, only its SHA-256. */
export const apiToken = defineRow(publicColumns)
export type ApiToken = Row<typeof apiToken>
