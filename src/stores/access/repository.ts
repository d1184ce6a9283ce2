import { createHash, randomBytes } from 'node:crypto'
import { NotFoundError, parseInput, type Actor, StoreRepository } from '../../core/index.js'
import { newTokenSchema, type NewToken } from './inputs.js'
import { apiToken, type AccessTables, type ApiToken } from './tables.js'

/** A token's columns as callers see them: everything but its hash. */
const TOKEN_COLUMNS = Object.keys(apiToken.columns) as (keyof ApiToken)[]

const TOKEN_PREFIX = 'gm_'
/** last_used_at is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/**
 * AccessRepository manages API tokens. A token acts as its user in the image-gen store; an admin
 * token reaches every store. Tokens are shown once at creation and stored hashed.
 */
export class AccessRepository extends StoreRepository<AccessTables> {
  readonly #lastTouched = new Map<number, number>()

  /** createToken makes a token and returns its secret (shown only now) with its record. */
  async createToken(input: NewToken): Promise<{ token: string; record: ApiToken }> {
    const t = parseInput(newTokenSchema, input)
    const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`
    const row = await this.db.run((k) =>
      k
        .insertInto('api_tokens')
        .values({
          name: t.name,
          token_hash: hashToken(token),
          prefix: token.slice(0, TOKEN_PREFIX.length + 6),
          user_id: t.user_id ?? null,
          is_admin: t.admin ?? false,
        })
        .returning(TOKEN_COLUMNS)
        .executeTakeFirstOrThrow(),
    )
    return { token, record: apiToken.codec.decode(row) }
  }

  /** authenticate returns the actor of a valid, unrevoked token, or undefined. */
  async authenticate(token: string): Promise<Actor | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined
    const row = await this.k
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'is_admin'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (!row) return undefined
    const now = Date.now()
    if (now - (this.#lastTouched.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
      this.#lastTouched.set(row.id, now)
      await this.k
        .updateTable('api_tokens')
        .set({ last_used_at: new Date(now) })
        .where('id', '=', row.id)
        .execute()
    }
    return { userId: row.user_id, admin: Boolean(row.is_admin) }
  }

  /** hasActiveTokens tells whether any unrevoked token exists (the server's open mode needs none). */
  async hasActiveTokens(): Promise<boolean> {
    const row = await this.k
      .selectFrom('api_tokens')
      .select('id')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async listTokens(): Promise<ApiToken[]> {
    const rows = await this.k.selectFrom('api_tokens').select(TOKEN_COLUMNS).orderBy('id').execute()
    return apiToken.codec.decodeAll(rows)
  }

  /** revokeToken stops a token from working; revoking twice is harmless. */
  async revokeToken(id: number): Promise<ApiToken> {
    const row = await this.k
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(TOKEN_COLUMNS)
      .executeTakeFirst()
    if (row) return apiToken.codec.decode(row)
    const existing = (await this.listTokens()).find((t) => t.id === id)
    if (!existing) throw new NotFoundError(`api token ${id} does not exist`)
    return existing
  }
}
