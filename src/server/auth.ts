import type { FastifyRequest } from 'fastify'
import type { Actor } from '../core/index.js'
import type { AccessRepository } from '../stores/access/index.js'
import { HttpError } from './errors.js'

/** How long the answer to "are there any tokens?" is reused before asking the database again. */
const TOKENS_CHECK_MS = 5_000
/** How long a token's actor is reused before the access store is asked again (revocation delay). */
export const TOKEN_CACHE_MS = 5_000
/** Tokens remembered at most; past it the cache starts over. */
const TOKEN_CACHE_SIZE = 1_000

export interface AuthenticatorOptions {
  /** How long a valid token's actor is reused (default TOKEN_CACHE_MS; 0 asks every time). */
  tokenCacheMs?: number
  /** The clock, in milliseconds (default Date.now). */
  now?: () => number
}

/**
 * Authenticator resolves the caller of a request. With `Authorization: Bearer <token>` the token
 * decides. Without one, the server is open only while it is bound to loopback and no token
 * exists: then the caller is an admin, acting in image-gen as the user named by the
 * `X-Genmedia-User` header.
 */
export class Authenticator {
  readonly #access: AccessRepository
  readonly #loopback: boolean
  readonly #tokenCacheMs: number
  readonly #now: () => number
  readonly #actors = new Map<string, { actor: Actor; until: number }>()
  #tokensExist: { value: boolean; at: number } | undefined

  constructor(access: AccessRepository, loopback: boolean, options: AuthenticatorOptions = {}) {
    this.#access = access
    this.#loopback = loopback
    this.#tokenCacheMs = options.tokenCacheMs ?? TOKEN_CACHE_MS
    this.#now = options.now ?? Date.now
  }

  /** isOpen tells whether requests without a token are accepted now. */
  async isOpen(): Promise<boolean> {
    if (!this.#loopback) return false
    const now = this.#now()
    if (!this.#tokensExist || now - this.#tokensExist.at > TOKENS_CHECK_MS) {
      this.#tokensExist = { value: await this.#access.hasActiveTokens(), at: now }
    }
    return !this.#tokensExist.value
  }

  /** actorOf returns the request's actor or throws HttpError 401. */
  async actorOf(request: FastifyRequest): Promise<Actor> {
    const header = request.headers.authorization
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      if (!match) {
        throw new HttpError(
          401,
          'unauthorized',
          'the Authorization header must be "Bearer <token>" (an API token from genmedia token create)',
        )
      }
      const actor = await this.#authenticate(match[1]!)
      if (!actor) throw new HttpError(401, 'unauthorized', 'the API token is invalid or revoked')
      return actor
    }
    if (await this.isOpen()) {
      const user = request.headers['x-genmedia-user']
      const userId = typeof user === 'string' && /^\d+$/.test(user) ? Number(user) : null
      return { userId, admin: true }
    }
    throw new HttpError(
      401,
      'unauthorized',
      'an API token is required: Authorization: Bearer <token>',
    )
  }

  /**
   * #authenticate asks the access store for a token's actor, reusing a valid token's answer for
   * tokenCacheMs: a revoked token keeps working at most that long. Unknown tokens are never
   * remembered, so a token created a moment ago works at once.
   */
  async #authenticate(token: string): Promise<Actor | undefined> {
    const now = this.#now()
    const cached = this.#actors.get(token)
    if (cached && now < cached.until) return cached.actor
    const actor = await this.#access.authenticate(token)
    if (!actor || this.#tokenCacheMs <= 0) {
      this.#actors.delete(token)
      return actor
    }
    if (this.#actors.size >= TOKEN_CACHE_SIZE) this.#actors.clear()
    this.#actors.set(token, { actor, until: now + this.#tokenCacheMs })
    return actor
  }
}

/** authorize throws HttpError 403 when the actor may not use a route of this access level. */
export function authorize(actor: Actor, access: 'admin' | 'user'): void {
  if (access === 'user' && actor.userId === null) {
    throw new HttpError(
      403,
      'forbidden',
      'this route acts as a user: use a token created with --user (or X-Genmedia-User when open)',
    )
  }
  if (access === 'admin' && !actor.admin) {
    throw new HttpError(403, 'forbidden', 'this route needs an admin token')
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}
