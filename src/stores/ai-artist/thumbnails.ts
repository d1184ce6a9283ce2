import { createHash } from 'node:crypto'
import { NotFoundError } from '../../core/index.js'
import { assertSafeKey, type BlobStore } from '../../storage/index.js'
import type { GeneratedImage } from './tables.js'

// Thumbnails of ai-artist images for the gallery: made once from the original in the blob
// store (or a placeholder drawn from the image's seed and prompt), then cached there.

/** The longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256

/** Thumbnails never change once made: browsers keep them a year without asking again. */
export const THUMBNAIL_CACHE_CONTROL = 'private, max-age=31536000, immutable'

/** thumbnailKey is the blob key a thumbnail is cached under: `ai-artist/thumbnails/<id>.webp`. */
export function thumbnailKey(id: number): string {
  return `ai-artist/thumbnails/${id}.webp`
}

/** originalKey is the blob key of an ai-artist image's original: `ai-artist/images/<filename>`. */
export function originalKey(filename: string): string {
  return `ai-artist/images/${filename}`
}

/** loadThumbnail returns the cached thumbnail of `image`, making and caching it first if needed. */
export async function loadThumbnail(
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
    const { default: sharp } = await import('sharp')
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
  const { default: sharp } = await import('sharp')
  return sharp(Buffer.from(svg)).webp({ quality: 80 }).toBuffer()
}
