import type { FastifyRequest } from 'fastify'
import type { Actor } from '../core/index.js'
import type { AccessRepository } from '../stores/access/index.js'
import { HttpError } from './errors.js'

/** How long the answer to "are there any tokens?" is reused before asking the database again. */
const TOKENS_CHECK_MS = 5_000

export interface AuthenticatorOptions {
  /** The clock, in milliseconds (default Date.now). */
  now?: () => number
}

/**
 * Authenticator resolves the caller of a request. With `Authorization: Bearer <token>` the token
 * decides; an admin token acts in image-gen as the user named by the `X-Genmedia-User` header
 * (else as its own user, if any). Without a token, the server is open only while it is bound to
 * loopback and no token exists: then the caller is an admin, acting as that header's user. A
 * token is looked up on every request (one read by a unique index), so that `genmedia token
 * revoke` stops it at once on every server.
 */
export class Authenticator {
  readonly #access: AccessRepository
  readonly #loopback: boolean
  readonly #now: () => number
  #tokensExist: { value: boolean; at: number } | undefined

  constructor(access: AccessRepository, loopback: boolean, options: AuthenticatorOptions = {}) {
    this.#access = access
    this.#loopback = loopback
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
      const actor = await this.#access.authenticate(match[1]!)
      if (!actor) throw new HttpError(401, 'unauthorized', 'the API token is invalid or revoked')
      // An admin may act as any image-gen user it names, as on an open server.
      return actor.admin ? { userId: actingUser(request) ?? actor.userId, admin: true } : actor
    }
    if (await this.isOpen()) return { userId: actingUser(request), admin: true }
    throw new HttpError(
      401,
      'unauthorized',
      'an API token is required: Authorization: Bearer <token>',
    )
  }
}

/** actingUser is the image-gen user named by the X-Genmedia-User header, or null. */
function actingUser(request: FastifyRequest): number | null {
  const user = request.headers['x-genmedia-user']
  return typeof user === 'string' && /^\d+$/.test(user) ? Number(user) : null
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
