import { createReadStream } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError, storeOf, type Actor, type OpenStore } from '../core/index.js'
import {
  BLOB_URL_PREFIX,
  LocalBlobStore,
  openBlobStore,
  type BlobInfo,
  type BlobStore,
} from '../storage/index.js'
import { imageGenStore, type ImageGenRepository } from '../stores/image-gen/index.js'
import type { Authenticator } from './auth.js'
import { HttpError } from './errors.js'

/**
 * Blobs are private to their owner, so caches must not share them; their keys carry a timestamp
 * and are never rewritten, so a browser may keep them a day, then revalidates (ETag, 304).
 */
const CACHE_CONTROL = 'private, max-age=86400'

/** How long the presigned URL of an S3 redirect stays valid, in seconds. */
const REDIRECT_EXPIRY_SECONDS = 300

/**
 * registerBlobs mounts GET (and HEAD) /blobs/<key>, the URLs LocalBlobStore gives. The caller
 * must be allowed to see the key:
 *
 * - `uploads/{user_id}/…`: that user, or an admin;
 * - `generated/{job_id}/…`: the user the job belongs to (looked up through the image-gen
 *   repository), or an admin;
 * - any other key (`ai-artist/…`): admins only (403 for a user token).
 *
 * Another user's key is answered 404, like a missing one, so that ids are not confirmed.
 * From a local folder the object is streamed with its stored Content-Type, an ETag,
 * Last-Modified and Cache-Control, honours If-None-Match / If-Modified-Since (304) and a single
 * `Range: bytes=…` (206 with Content-Range; 416 when unsatisfiable; several ranges get the whole
 * object). From S3 the answer is a 302 redirect to a presigned URL, after the same check.
 * The blob store is `blobs`, else the image-gen repository's, else openBlobStore().
 */
export function registerBlobs(
  app: FastifyInstance,
  auth: Authenticator,
  stores: readonly OpenStore[],
  blobs?: BlobStore,
): void {
  const imageGen = storeOf(stores, imageGenStore)
  let opened: BlobStore | undefined
  const blobStore = (): BlobStore => blobs ?? imageGen?.repo.blobs ?? (opened ??= openBlobStore())
  app.addHook('onClose', async () => {
    await opened?.close()
  })

  // HEAD is a route of its own: Fastify's automatic one would read a whole stream to discard it.
  app.route({
    method: ['GET', 'HEAD'],
    url: `${BLOB_URL_PREFIX}*`,
    handler: async (request, reply) => {
      const actor = await auth.actorOf(request)
      const key = LocalBlobStore.keyFromUrlPath(request.url.split('?')[0]!)
      await assertMayRead(actor, key, imageGen?.repo)
      const store = blobStore()
      if (store.kind === 's3') {
        const url = await store.url(key, { expiresIn: REDIRECT_EXPIRY_SECONDS })
        return reply.header('cache-control', 'no-store').redirect(url, 302)
      }
      const info = await store.head(key)
      if (!info) throw new NotFoundError(missing(key))
      return sendBlob(request, reply, store, info)
    },
  })
}

function missing(key: string): string {
  return `no blob ${key}`
}

/** assertMayRead throws 404 for another user's key (as for a missing one), 403 for admin keys. */
async function assertMayRead(
  actor: Actor,
  key: string,
  repo: ImageGenRepository | undefined,
): Promise<void> {
  if (actor.admin) return
  const [area, owner] = key.split('/')
  const id = owner && /^[1-9]\d{0,15}$/.test(owner) ? Number(owner) : undefined
  if (area === 'uploads' || area === 'generated') {
    if (actor.userId === null || id === undefined) throw new NotFoundError(missing(key))
    if (area === 'uploads' && id === actor.userId) return
    if (area === 'generated' && repo) {
      // getJob is scoped to the user: another user's job is NotFoundError, as a missing one.
      await repo.getJob(actor.userId, id)
      return
    }
    throw new NotFoundError(missing(key))
  }
  throw new HttpError(403, 'forbidden', 'this blob is readable with an admin token only')
}

/** sendBlob answers with the object (or the requested range of it) and its caching headers. */
async function sendBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  store: BlobStore,
  info: BlobInfo,
): Promise<FastifyReply> {
  const etag = `"${info.size.toString(16)}-${info.lastModified.getTime().toString(16)}"`
  const lastModified = info.lastModified.toUTCString()
  void reply
    .header('etag', etag)
    .header('last-modified', lastModified)
    .header('cache-control', CACHE_CONTROL)
    .header('accept-ranges', 'bytes')
  if (notModified(request, etag, info.lastModified)) return reply.code(304).send()

  const range = rangeOf(request, etag, info)
  if (range === 'unsatisfiable') {
    return reply
      .code(416)
      .header('content-range', `bytes */${info.size}`)
      .send({
        error: {
          code: 'range_not_satisfiable',
          message: `the range ${request.headers.range} lies outside the blob's ${info.size} bytes`,
        },
      })
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 }
  void reply.header('content-type', info.contentType)
  if (range) {
    void reply.code(206).header('content-range', `bytes ${start}-${end}/${info.size}`)
  }
  void reply.header('content-length', String(Math.max(0, end - start + 1)))
  if (request.method === 'HEAD') return reply.send()
  if (store instanceof LocalBlobStore) {
    // Streamed from the file: a range of a large video is read, not the whole object.
    return reply.send(createReadStream(localPath(store, info.key), { start, end }))
  }
  const { bytes } = await store.get(info.key)
  return reply.send(bytes.subarray(start, end + 1))
}

/** localPath is the file of `key` in a local store (the key has passed assertSafeKey). */
function localPath(store: LocalBlobStore, key: string): string {
  const bucketDir = join(store.root, store.bucket)
  const path = resolve(bucketDir, ...key.split('/'))
  if (!path.startsWith(bucketDir + sep)) throw new NotFoundError(missing(key))
  return path
}

function notModified(request: FastifyRequest, etag: string, modified: Date): boolean {
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch) {
    return ifNoneMatch
      .split(',')
      .map((t) => t.trim().replace(/^W\//, ''))
      .some((t) => t === etag || t === '*')
  }
  const since = Date.parse(request.headers['if-modified-since'] ?? '')
  // HTTP dates have whole seconds: compare the modification time at that precision.
  return !Number.isNaN(since) && Math.floor(modified.getTime() / 1000) * 1000 <= since
}

/**
 * rangeOf reads a single-range `Range: bytes=…` header: the inclusive byte range, undefined for
 * the whole object (no header, a malformed one, several ranges, or an If-Range that no longer
 * matches), or 'unsatisfiable' when the range lies outside the object.
 */
function rangeOf(
  request: FastifyRequest,
  etag: string,
  info: BlobInfo,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const header = request.headers.range
  if (!header) return undefined
  const ifRange = request.headers['if-range']
  if (ifRange && ifRange !== etag && ifRange !== info.lastModified.toUTCString()) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return undefined
  const size = info.size
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (match[2] !== '' && Number(match[2]) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}

/** The blob route in the OpenAPI document (it answers the object's bytes, not JSON). */
export function blobOpenApi(): Record<string, Record<string, unknown>> {
  return {
    '/blobs/{key}': {
      get: {
        tags: ['blobs'],
        summary:
          'A stored object (reference upload, generated image, …): its owner or an admin; Range requests',
        parameters: [
          {
            name: 'key',
            in: 'path',
            required: true,
            description: 'the object key, e.g. uploads/7/1700000000000_cat.png (slashes kept)',
            schema: { type: 'string' },
          },
          { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'the object', content: { '*/*': {} } },
          '206': { description: 'the requested range (Content-Range)', content: { '*/*': {} } },
          '302': { description: 'S3 storage: a redirect to a presigned URL' },
          '304': { description: 'not modified (If-None-Match / If-Modified-Since)' },
          '400': { description: 'not a valid key; `field` names it' },
          '401': { description: 'no valid API token' },
          '403': { description: 'a user token asked for an admin-only object' },
          '404': { description: 'no such object, or not the caller’s' },
          '416': { description: 'the range lies outside the object' },
        },
      },
    },
  }
}
