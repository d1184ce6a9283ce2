import { z } from 'zod'
import type { BlobStore } from '../storage/blob-store.js'
import type { Database } from './database.js'
import type { FieldValues, Fields, List } from './lists.js'
import { MAX_PAGE_SIZE, type PageRequest } from './pagination.js'
import type { SearchDefinition } from './search/define.js'
import type { ListOptions } from './search/list.js'
import type { Columns } from './table.js'
import { MAX_QUERY_LENGTH } from './search/query.js'

/**
 * Who is calling: the user an API token belongs to (image-gen routes act as this user) and
 * whether the token may reach the stores that have no users.
 */
export interface Actor {
  userId: number | null
  admin: boolean
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** Everything a route handler gets: the store's repository and the validated request. */
export interface RouteContext<Repo, P, Q, B> {
  repo: Repo
  params: P
  query: Q
  body: B
  actor: Actor
  /** The server's blob store (opened on first use). */
  blobs(): BlobStore
  /** The store's database (for routes the core adds, such as the job queue's). */
  db: Database
  /** The request's log, for what the caller should not see but an operator should. */
  log: { warn(details: object, message: string): void }
}

/**
 * BinaryBody is what the handler of a route that `produces` a media type returns: the bytes,
 * and how long clients may keep them. The server adds an ETag (a hash of the bytes) and answers
 * 304 to a request whose If-None-Match has it.
 */
export interface BinaryBody {
  bytes: Buffer
  cacheControl?: string
}

/**
 * ApiRoute describes one HTTP route of a store, independent of the server library: the HTTP
 * server mounts it under `/api/<store>`, validates params, query and body with the zod schemas
 * (400 naming the field), checks access, and the same schemas produce the OpenAPI document.
 */
export interface ApiRoute<Repo = any> {
  method: HttpMethod
  /** Relative to `/api/<store>`, with `:name` parameters: `/images/:id`. */
  path: string
  summary: string
  params?: z.ZodType
  query?: z.ZodType
  body?: z.ZodType
  /** The success body; omit for 204 No Content. */
  response?: z.ZodType
  /** The media type of a binary success body (`image/webp`): the handler returns a BinaryBody. */
  produces?: string
  /** Success status: 200 by default, 201 for creation, 204 without a body. */
  status?: 200 | 201 | 204
  /**
   * `admin` (default): an admin token (or the open local mode). `user`: any token with a user;
   * the handler must scope everything to `actor.userId`.
   */
  access?: 'admin' | 'user'
  handler(ctx: RouteContext<Repo, any, any, any>): Promise<unknown>
}

/** What `route` accepts: an ApiRoute whose handler is typed by its own schemas. */
export type RouteSpec<Repo, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = Omit<
  ApiRoute<Repo>,
  'handler' | 'params' | 'query' | 'body'
> & {
  params?: P
  query?: Q
  body?: B
  handler(ctx: RouteContext<Repo, z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>
}

/**
 * routesFor returns a `route` function for one repository type: each route's handler is typed
 * by the schemas given beside it (`routesFor<MyRepository>()`); `route.list` declares the GET
 * route of a declared list (listRoute).
 */
export function routesFor<Repo>() {
  function route<
    P extends z.ZodType = z.ZodObject<Record<string, never>>,
    Q extends z.ZodType = z.ZodObject<Record<string, never>>,
    B extends z.ZodType = z.ZodUndefined,
  >(spec: RouteSpec<Repo, P, Q, B>): ApiRoute<Repo> {
    return spec as unknown as ApiRoute<Repo>
  }
  const list = <
    Cs extends Columns,
    Fs extends Fields,
    P extends z.ZodType = z.ZodObject<Record<string, never>>,
  >(
    spec: ListRouteSpec<Repo, Cs, Fs, P>,
  ) => listRoute(spec)
  type Id = z.output<typeof idParams>['id']
  return Object.assign(route, {
    list,
    /** GET of one row by `:id`: `find(repo, id)` answers with `response`. */
    get: (
      path: string,
      summary: string,
      response: z.ZodType,
      find: (repo: Repo, id: Id) => Promise<unknown>,
    ) =>
      route({
        method: 'GET',
        path,
        summary,
        params: idParams,
        response,
        handler: (c) => find(c.repo, c.params.id),
      }),
    /** DELETE of one row by `:id`: `remove(repo, id)`, then 204. */
    remove: (path: string, summary: string, remove: (repo: Repo, id: Id) => Promise<unknown>) =>
      route({
        method: 'DELETE',
        path,
        summary,
        params: idParams,
        status: 204,
        handler: (c) => remove(c.repo, c.params.id),
      }),
    /**
     * POST of many rows, all or nothing: the body `{ <items>: [...] }` holds 1 to MAX_BATCH
     * `item`s; `add(repo, rows)` stores them and answers how many, as `{ <count>: n }`, 201.
     */
    batch: <I extends z.ZodType>(
      path: string,
      summary: string,
      items: string,
      item: I,
      count: string,
      add: (repo: Repo, rows: z.output<I>[]) => Promise<number>,
    ) =>
      route({
        method: 'POST',
        path,
        summary,
        body: z.strictObject({ [items]: batchOf(item) }),
        response: z.object({ [count]: z.number().int() }),
        status: 201,
        handler: async (c) => ({ [count]: await add(c.repo, c.body[items]!) }),
      }),
    /** POST that creates a row from `body`: `create(repo, body)` answers with `response`, 201. */
    create: <B extends z.ZodType>(
      path: string,
      summary: string,
      body: B,
      response: z.ZodType,
      create: (repo: Repo, body: z.output<B>) => Promise<unknown>,
    ) =>
      route({
        method: 'POST',
        path,
        summary,
        body,
        response,
        status: 201,
        handler: (c) => create(c.repo, c.body),
      }),
  })
}

/** The most rows one batch write (a POST of many rows) takes. */
export const MAX_BATCH = 10_000

/** batchOf is the list of a batch write: 1 to MAX_BATCH `item`s. */
export function batchOf<I extends z.ZodType>(item: I) {
  return z.array(item).min(1).max(MAX_BATCH)
}

/** `{ id }` path parameter, a positive whole number. */
export const idParams = z.object({ id: z.coerce.number().int().positive() })

/** `?after=…&limit=…` of a keyset-paginated list. */
export const pageQuery = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
})

/**
 * `?q=…&facets=a,b` of a searchable list: `q` full-text search text (see docs/search.md),
 * `facets` a comma-separated list of the columns `search` declares countable; anything else is
 * a 400 naming `facets`.
 */
export function searchQuery(search: SearchDefinition) {
  const known = search.facets.join(', ') || '(none)'
  return z.object({
    q: z
      .string()
      .max(MAX_QUERY_LENGTH, `q must be at most ${MAX_QUERY_LENGTH} characters`)
      .optional()
      .describe('full-text search: words (all must appear), "a phrase", prefix*'),
    facets: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      )
      .refine((cs) => cs.every((c) => search.facets.includes(c)), {
        message: `facets must be a comma-separated list of: ${known}`,
      })
      .optional()
      .describe(`columns to count by value beside the page: ${known}`),
  })
}

/** `?limit=…` of a list that is not paged, `fallback` rows when not given. */
export function limitQuery(fallback: number) {
  return z.object({ limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(fallback) })
}

/** The body of a keyset page: `{ items, next }`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() })
}

/**
 * One facet beside a page: its most frequent values with their counts, whether more exist, and
 * (when the list holds more rows than facets count) how many of its newest rows were counted.
 */
export const facetSchema = z.object({
  values: z.array(z.object({ value: z.string().nullable(), count: z.number().int() })),
  truncated: z.boolean(),
  counted: z.number().int().optional(),
})

/** The body of a searchable list's page: `{ items, next, facets? }`. */
export function listPageOf<T extends z.ZodType>(item: T) {
  return pageOf(item).extend({ facets: z.record(z.string(), facetSchema).optional() })
}

/** What `listRoute` accepts: the list, and a handler given the filter, page and options apart. */
export interface ListRouteSpec<Repo, Cs extends Columns, Fs extends Fields, P extends z.ZodType> {
  path: string
  summary: string
  list: List<Cs, Fs>
  params?: P
  access?: ApiRoute['access']
  handler(
    ctx: RouteContext<Repo, z.output<P>, unknown, undefined>,
    filter: FieldValues<Fs>,
    page: PageRequest,
    options: ListOptions,
  ): Promise<unknown>
}

/**
 * listRoute declares the GET route of a declared list (defineList): its query is the page, the
 * list's filter and, where the list is searchable, `q` and `facets`; its response a page of the
 * table's rows (with the facets where searchable). `handler` gets the filter, the page and the
 * search options apart.
 */
export function listRoute<
  Repo,
  Cs extends Columns,
  Fs extends Fields,
  P extends z.ZodType = z.ZodObject<Record<string, never>>,
>(spec: ListRouteSpec<Repo, Cs, Fs, P>): ApiRoute<Repo> {
  const { list, handler, ...route } = spec
  let query = pageQuery.extend(list.filterQuery.shape)
  if (list.search) query = query.extend(searchQuery(list.search).shape)
  return {
    ...route,
    method: 'GET',
    query,
    response: list.search ? listPageOf(list.table.row) : pageOf(list.table.row),
    handler: (ctx) => {
      const { after, limit, q, facets, ...filter } = ctx.query as Record<string, unknown> &
        PageRequest &
        ListOptions
      const options = list.search ? { q, facets } : {}
      return handler(ctx, filter as FieldValues<Fs>, { after, limit }, options)
    },
  }
}

/**
 * ofExisting returns what a route lists under a parent row (an array, or a page), calling
 * `exists` (which throws NotFoundError for a missing parent) only when nothing was found:
 * listing under a parent that does not exist is a 404, not an empty list, and rows found prove
 * the parent exists without a second query.
 */
export async function ofExisting<T extends readonly unknown[] | { items: readonly unknown[] }>(
  found: T,
  exists: () => Promise<unknown>,
): Promise<T> {
  const rows = Array.isArray(found) ? found : (found as { items: readonly unknown[] }).items
  if (rows.length === 0) await exists()
  return found
}
