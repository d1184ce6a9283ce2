import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Kysely, ColumnType, Generated } from 'kysely'
import {
  createCodec,
  NotFoundError,
  parseInput,
  type Actor,
  type Database,
} from '../../core/index.js'

export interface AccessTables {
  api_tokens: {
    id: Generated<number>
    name: string
    token_hash: string
    prefix: string
    user_id: number | null
    is_admin: ColumnType<number | boolean, boolean, boolean>
    created_at: ColumnType<string, Date | undefined, Date>
    last_used_at: ColumnType<string | null, Date | null | undefined, Date | null>
    revoked_at: ColumnType<string | null, Date | null | undefined, Date | null>
  }
}

/** ApiToken is a token's record; the secret itself is never stored, only its SHA-256. */
export interface ApiToken {
  id: number
  name: string
  prefix: string
  user_id: number | null
  is_admin: boolean
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

/** A token's columns as callers see them: everything but its hash. */
const TOKEN_COLUMNS = [
  'id',
  'name',
  'prefix',
  'user_id',
  'is_admin',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const

const tokens = createCodec<ApiToken>({
  boolean: ['is_admin'],
  timestamp: ['created_at', 'last_used_at', 'revoked_at'],
})

const newTokenSchema = z
  .strictObject({
    name: z.string().min(1).default('api token'),
    user_id: z.number().int().positive().nullable().optional(),
    admin: z.boolean().optional(),
  })
  .refine((t) => t.user_id != null || t.admin, {
    message: 'a token needs a user, --admin, or both',
    path: ['user_id'],
  })

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
export class AccessRepository {
  readonly #db: Database<AccessTables>
  readonly #k: Kysely<AccessTables>
  readonly #lastTouched = new Map<number, number>()

  constructor(db: Database<AccessTables>) {
    this.#db = db
    this.#k = db.kysely
  }

  /** createToken makes a token and returns its secret (shown only now) with its record. */
  async createToken(input: {
    name?: string
    user_id?: number | null
    admin?: boolean
  }): Promise<{ token: string; record: ApiToken }> {
    const t = parseInput(newTokenSchema, input)
    const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`
    const row = await this.#db.run((k) =>
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
    return { token, record: tokens.decode(row) }
  }

  /** authenticate returns the actor of a valid, unrevoked token, or undefined. */
  async authenticate(token: string): Promise<Actor | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined
    const row = await this.#k
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'is_admin'])
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (!row) return undefined
    const now = Date.now()
    if (now - (this.#lastTouched.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
      this.#lastTouched.set(row.id, now)
      await this.#k
        .updateTable('api_tokens')
        .set({ last_used_at: new Date(now) })
        .where('id', '=', row.id)
        .execute()
    }
    return { userId: row.user_id, admin: Boolean(row.is_admin) }
  }

  /** hasActiveTokens tells whether any unrevoked token exists (the server's open mode needs none). */
  async hasActiveTokens(): Promise<boolean> {
    const row = await this.#k
      .selectFrom('api_tokens')
      .select('id')
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }

  async listTokens(): Promise<ApiToken[]> {
    const rows = await this.#k
      .selectFrom('api_tokens')
      .select(TOKEN_COLUMNS)
      .orderBy('id')
      .execute()
    return tokens.decodeAll(rows)
  }

  /** revokeToken stops a token from working; revoking twice is harmless. */
  async revokeToken(id: number): Promise<ApiToken> {
    const row = await this.#k
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(TOKEN_COLUMNS)
      .executeTakeFirst()
    if (row) return tokens.decode(row)
    const existing = (await this.listTokens()).find((t) => t.id === id)
    if (!existing) throw new NotFoundError(`api token ${id} does not exist`)
    return existing
  }
}
