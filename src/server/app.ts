import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { z } from 'zod'
import {
  describeStore,
  nulField,
  parseInput,
  ValidationError,
  storeOf,
  type ApiRoute,
  type BinaryBody,
  type OpenStore,
  type StoreState,
} from '../core/index.js'
import { accessStore } from '../stores/access/index.js'
import { openBlobStore, type BlobStore } from '../storage/index.js'
import { Authenticator, authorize, isLoopback } from './auth.js'
import { blobOpenApi, registerBlobs } from './blobs.js'
import { sendError } from './errors.js'
import { exportOpenApi, registerExports } from './export.js'
import { buildOpenApi } from './openapi.js'
import { registerDashboard } from './static.js'

export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
).version

export interface AppOptions {
  /** Every store to serve, open; must include the access store (tokens). */
  stores: readonly OpenStore[]
  /** The address the server binds: requests without a token are accepted only on loopback. */
  host: string
  logger?: FastifyServerOptions['logger']
  /** Extra information per store for GET /api/stores (e.g. the last verified backup). */
  describeExtra?: (store: OpenStore) => Promise<Record<string, unknown>>
  /** The blob store (/blobs, routes' `blobs()`); default openBlobStore() of the environment. */
  blobs?: BlobStore
  /**
   * Check every response against its route's schema before sending it (default false: a check
   * of each row costs as much as serializing it; tests turn it on to prove the shapes).
   */
  validateResponses?: boolean
  /**
   * Stores not opened because their location holds a pipeline's own database, waiting for
   * `genmedia adopt`: GET /api/stores lists them with status `adoptable` and their row counts.
   */
  adoptable?: readonly Record<string, unknown>[]
}

/**
 * buildApp assembles the HTTP API: `/api/health`, `/api/stores`, `/api/openapi.json`,
 * `/api/docs`, and every registered store's routes under `/api/<store>`. It does not listen;
 * `serve` does.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Requests in flight finish on close; idle keep-alive connections are closed at once.
    forceCloseConnections: 'idle',
    bodyLimit: 10 * 1024 * 1024,
    // A URL that does not decode (`%FF`) or a path parameter past maxParamLength answers in the
    // API's one error shape too.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  })
  const access = storeOf(options.stores, accessStore)
  if (!access) throw new Error('buildApp needs the access store among its stores')
  const auth = new Authenticator(access.repo, isLoopback(options.host))

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error))
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url}` },
    }),
  )

  const definitions = options.stores.map((s) => s.definition)
  const document = buildOpenApi(definitions, VERSION, {
    ...serverPaths(),
    ...blobOpenApi(),
    ...exportOpenApi(definitions),
  })
  await app.register(swagger, {
    mode: 'static',
    specification: { document: document as never },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })

  app.get('/api/openapi.json', async () => document)
  app.get('/api/health', async () => ({
    status: 'ok',
    version: VERSION,
    stores: definitions.map((d) => d.name),
  }))
  app.get('/api/stores', async (request) => {
    // Locations and row counts of every store (image-gen's across all users): admins only.
    authorize(await auth.actorOf(request), 'admin')
    const out: (StoreState & Record<string, unknown>)[] = []
    for (const store of options.stores) {
      out.push({
        ...(await describeStore(store)),
        ...(options.describeExtra ? await options.describeExtra(store) : {}),
      })
    }
    return [...out, ...(options.adoptable ?? [])]
  })

  let opened: BlobStore | undefined
  const blobs = (): BlobStore => options.blobs ?? (opened ??= openBlobStore())
  app.addHook('onClose', async () => {
    await opened?.close()
  })
  for (const store of options.stores) {
    for (const route of store.definition.api ?? []) {
      mountRoute(app, auth, store, route, blobs, options.validateResponses ?? false)
    }
  }
  registerBlobs(app, auth, options.stores, options.blobs)
  registerExports(app, auth, options.stores)
  await registerDashboard(app)
  return app
}

function mountRoute(
  app: FastifyInstance,
  auth: Authenticator,
  store: OpenStore,
  route: ApiRoute,
  blobs: () => BlobStore,
  validateResponse: boolean,
): void {
  // Made once: a schema made per request is compiled again by zod (and ours) for each.
  const querySchema = queryOf(route)
  app.route({
    method: route.method,
    url: `/api/${store.definition.name}${route.path}`,
    handler: async (request, reply) => {
      const actor = await auth.actorOf(request)
      authorize(actor, route.access ?? 'admin')
      refuseNul(request)
      const params = route.params ? parseInput(route.params, request.params) : {}
      const query = parseInput(querySchema, request.query ?? {})
      const body = route.body ? parseInput(route.body, request.body ?? undefined) : undefined
      const log = request.log
      const result = await route.handler({
        repo: store.repo,
        params,
        query,
        body,
        actor,
        blobs,
        db: store.db,
        log,
      })
      const status = route.status ?? 200
      if (status === 204) return reply.code(204).send()
      if (route.produces) return sendBinary(request, reply, route.produces, result as BinaryBody)
      if (validateResponse && route.response) {
        const checked = route.response.safeParse(result)
        if (!checked.success) {
          request.log.error(
            { issues: checked.error.issues },
            `response of ${route.method} ${route.path} does not match its schema`,
          )
          throw new Error('response does not match its schema')
        }
      }
      return reply.code(status).send(result)
    },
  })
}

const NO_QUERY = z.strictObject({})

/**
 * queryOf is the schema of a route's query string, strict: a parameter the route does not
 * declare (a typo such as `?staus=`) is refused naming it, as bodies refuse unknown keys.
 */
function queryOf(route: ApiRoute): z.ZodType {
  if (!route.query) return NO_QUERY
  return route.query instanceof z.ZodObject ? route.query.strict() : route.query
}

/**
 * refuseNul refuses a request with NUL (U+0000) in its path, query or body with 400 naming the
 * field: PostgreSQL cannot store or compare such text, so both engines refuse it alike.
 */
function refuseNul(request: FastifyRequest): void {
  for (const [part, value] of [
    ['params', request.params],
    ['query', request.query],
    ['body', request.body],
  ] as const) {
    const field = nulField(value)
    if (field !== undefined) {
      throw new ValidationError(
        `${field || part}: must not contain NUL (\\u0000)`,
        field || (part === 'body' ? '' : part),
      )
    }
  }
}

/**
 * sendBinary answers a route that produces bytes, with an ETag (a hash of the bytes) and its
 * Cache-Control; a request whose If-None-Match has the ETag gets 304 without the bytes.
 */
function sendBinary(
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
  { bytes, cacheControl }: BinaryBody,
): FastifyReply {
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
  void reply.header('etag', etag)
  if (cacheControl) void reply.header('cache-control', cacheControl)
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send()
  return reply.type(type).send(bytes)
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}

function serverPaths(): Record<string, Record<string, unknown>> {
  const ok = (description: string) => ({
    description,
    content: { 'application/json': { schema: { type: 'object' } } },
  })
  return {
    '/api/health': {
      get: {
        tags: ['server'],
        summary: 'Liveness: the server answers and which stores it serves',
        security: [],
        responses: { '200': ok('the server is up') },
      },
    },
    '/api/stores': {
      get: {
        tags: ['server'],
        summary:
          'Every store: engine, location, schema version, row counts, size, last verified backup',
        responses: { '200': ok('one entry per store'), '401': { description: 'no valid token' } },
      },
    },
    '/api/openapi.json': {
      get: {
        tags: ['server'],
        summary: 'This document',
        security: [],
        responses: { '200': ok('OpenAPI 3.1') },
      },
    },
  }
}
