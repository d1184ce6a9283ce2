import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { idParams, NotFoundError, parseInput, type OpenStore } from '../core/index.js'
import { assertSafeKey, openBlobStore, type BlobStore } from '../storage/index.js'
import type { AiArtistRepository, GeneratedImage } from '../stores/ai-artist/index.js'
import { authorize, type Authenticator } from './auth.js'

/** The longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256

/** The route, relative to the server root. */
export const THUMBNAIL_ROUTE = '/api/ai-artist/images/:id/thumbnail'

/** Thumbnails never change once made: browsers keep them a year without asking again. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable'

/** thumbnailKey is the blob key a thumbnail is cached under: `ai-artist/thumbnails/<id>.webp`. */
export function thumbnailKey(id: number): string {
  return `ai-artist/thumbnails/${id}.webp`
}

/** originalKey is the blob key of an ai-artist image's original: `ai-artist/images/<filename>`. */
export function originalKey(filename: string): string {
  return `ai-artist/images/${filename}`
}

/**
 * registerThumbnails mounts GET /api/ai-artist/images/:id/thumbnail (admin access, like every
 * ai-artist route) when the ai-artist store is served. The first request for an image makes its
 * 256px WebP thumbnail, from the original in the blob store when there is one, otherwise from
 * a placeholder drawn from the image's seed and prompt, and caches it in the blob store; later
 * requests read the cached bytes. Answers carry an ETag and a year-long immutable Cache-Control
 * and honour If-None-Match (304).
 */
export function registerThumbnails(
  app: FastifyInstance,
  auth: Authenticator,
  stores: readonly OpenStore<any>[],
  blobs?: BlobStore,
): void {
  const store = stores.find((s) => s.definition.name === 'ai-artist') as
    OpenStore<AiArtistRepository> | undefined
  if (!store) return
  let opened: BlobStore | undefined
  const blobStore = (): BlobStore => blobs ?? (opened ??= openBlobStore())
  app.addHook('onClose', async () => {
    await opened?.close()
  })

  app.get(THUMBNAIL_ROUTE, async (request, reply) => {
    authorize(await auth.actorOf(request), 'admin')
    const { id } = parseInput(idParams, request.params)
    const image = await store.repo.getImage(id)
    const bytes = await loadThumbnail(blobStore(), image, (error) =>
      request.log.warn({ err: error, id }, 'original image unreadable; using a placeholder'),
    )
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
    void reply.header('cache-control', CACHE_CONTROL).header('etag', etag)
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('image/webp').send(bytes)
  })
}

/** loadThumbnail returns the cached thumbnail of `image`, making and caching it first if needed. */
async function loadThumbnail(
  blobs: BlobStore,
  image: GeneratedImage,
  onUnreadable: (error: unknown) => void,
): Promise<Buffer> {
  const key = thumbnailKey(image.id)
  const cached = await getIfExists(blobs, key)
  if (cached) return cached
  let bytes: Buffer | undefined
  const original = await getOriginal(blobs, image.filename)
  if (original) {
    try {
      bytes = await sharp(original)
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer()
    } catch (error) {
      onUnreadable(error)
    }
  }
  bytes ??= await renderPlaceholder(image)
  // Two first requests at once both render the same bytes; the second put replaces the first.
  await blobs.put(key, bytes, 'image/webp')
  return bytes
}

async function getIfExists(blobs: BlobStore, key: string): Promise<Buffer | undefined> {
  try {
    return (await blobs.get(key)).bytes
  } catch (error) {
    if (error instanceof NotFoundError) return undefined
    throw error
  }
}

async function getOriginal(blobs: BlobStore, filename: string): Promise<Buffer | undefined> {
  try {
    assertSafeKey(originalKey(filename))
  } catch {
    // A filename that cannot be a safe key (`..`, a backslash) has no original in the store.
    return undefined
  }
  return getIfExists(blobs, originalKey(filename))
}

/**
 * renderPlaceholder draws a deterministic THUMBNAIL_SIZE square WebP for an image without an
 * original: a two-colour gradient with a ring pattern, both chosen from a hash of its seed and
 * prompt, so the same image always gets the same picture and different prompts look different.
 */
export async function renderPlaceholder(
  image: Pick<GeneratedImage, 'seed' | 'prompt'>,
): Promise<Buffer> {
  const hash = createHash('sha256')
    .update(`${image.seed ?? ''}\u0000${image.prompt}`)
    .digest()
  const byte = (i: number) => hash[i % hash.length]!
  const hue = (byte(0) / 255) * 360
  const hue2 = (hue + 40 + (byte(1) / 255) * 140) % 360
  const angle = (byte(2) / 255) * 360
  const size = THUMBNAIL_SIZE
  const shapes: string[] = []
  const count = 3 + (byte(3) % 5)
  for (let i = 0; i < count; i++) {
    const cx = (byte(4 + i * 3) / 255) * size
    const cy = (byte(5 + i * 3) / 255) * size
    const r = 12 + (byte(6 + i * 3) / 255) * (size / 2.5)
    const light = 55 + (byte(20 + i) % 35)
    shapes.push(
      `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${r.toFixed(1)}" fill="none" ` +
        `stroke="hsl(${((hue + i * 25) % 360).toFixed(0)},70%,${light}%)" stroke-opacity="0.55" ` +
        `stroke-width="${(2 + (byte(28 + i) % 10)).toFixed(0)}"/>`,
    )
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
    `<defs><linearGradient id="g" gradientTransform="rotate(${angle.toFixed(0)} 0.5 0.5)">` +
    `<stop offset="0" stop-color="hsl(${hue.toFixed(0)},65%,38%)"/>` +
    `<stop offset="1" stop-color="hsl(${hue2.toFixed(0)},70%,62%)"/>` +
    `</linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>` +
    `${shapes.join('')}</svg>`
  return sharp(Buffer.from(svg)).webp({ quality: 80 }).toBuffer()
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}

/** The thumbnail route in the OpenAPI document (it answers an image, not JSON). */
export function thumbnailOpenApi(
  served: readonly string[],
): Record<string, Record<string, unknown>> {
  if (!served.includes('ai-artist')) return {}
  return {
    '/api/ai-artist/images/{id}/thumbnail': {
      get: {
        tags: ['ai-artist'],
        summary: `A ${THUMBNAIL_SIZE}px WebP thumbnail of an image (made once, then cached)`,
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        responses: {
          '200': { description: 'the thumbnail', content: { 'image/webp': {} } },
          '304': { description: 'not modified (If-None-Match)' },
          '400': { description: 'bad input; `field` names it' },
          '401': { description: 'no valid API token' },
          '403': { description: 'the token may not use this route' },
          '404': { description: 'no such image' },
        },
      },
    },
  }
}
