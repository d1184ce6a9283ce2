import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { NotFoundError, ValidationError } from '../core/errors.js'
import {
  assertBucketName,
  assertSafeKey,
  assertSafePrefix,
  DEFAULT_BUCKET,
  expirySeconds,
  type BlobInfo,
  type BlobStore,
  type StoredBlob,
  type UrlOptions,
} from './blob-store.js'

/** The path under which genmedia's HTTP server serves a local folder's objects. */
export const BLOB_URL_PREFIX = '/blobs/'

// Content types and temporary files live beside the buckets, in folders whose names start with
// a dot: a bucket name never does, so neither can be mistaken for a bucket or an object.
const META_DIR = '.genmedia-meta'
const TMP_DIR = '.genmedia-tmp'

export interface LocalBlobStoreOptions {
  /** The folder holding the buckets. */
  root: string
  bucket?: string
  /** Prepended to URLs (`http://host:port`); default none, giving `/blobs/<key>` paths. */
  baseUrl?: string
}

/**
 * LocalBlobStore keeps objects as files in `<root>/<bucket>/<key>`, their content types in
 * `<root>/.genmedia-meta/<bucket>/<key>.json`. A put writes a temporary file and renames it into
 * place, so a reader never sees half an object.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'file' as const
  readonly bucket: string
  readonly root: string
  readonly #baseUrl: string

  constructor(options: LocalBlobStoreOptions) {
    this.root = resolve(options.root)
    this.bucket = assertBucketName(options.bucket ?? DEFAULT_BUCKET)
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<BlobInfo> {
    const path = this.#path(key)
    if (!contentType) throw new ValidationError('contentType is required', 'contentType')
    const tmpDir = join(this.root, TMP_DIR)
    await mkdir(tmpDir, { recursive: true })
    await mkdir(dirname(path), { recursive: true })
    await mkdir(dirname(this.#metaPath(key)), { recursive: true })
    const tmp = join(tmpDir, randomBytes(8).toString('hex'))
    await writeFile(`${tmp}.json`, JSON.stringify({ contentType }))
    await rename(`${tmp}.json`, this.#metaPath(key))
    await writeFile(tmp, bytes)
    await rename(tmp, path)
    const info = await this.head(key)
    if (!info) throw new NotFoundError(`object ${key} vanished while it was written`)
    return info
  }

  async get(key: string): Promise<StoredBlob> {
    const info = await this.head(key)
    if (!info) throw new NotFoundError(`no object ${key} in bucket ${this.bucket}`)
    return { ...info, bytes: await readFile(this.#path(key)) }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const path = this.#path(key)
    const stats = await stat(path).catch(missing)
    if (!stats?.isFile()) return undefined
    const meta = await readFile(this.#metaPath(key), 'utf8').catch(missing)
    const contentType =
      (meta && (JSON.parse(meta) as { contentType?: string }).contentType) ||
      'application/octet-stream'
    return { key, size: stats.size, contentType, lastModified: stats.mtime }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key)
    await rm(path, { force: true })
    await rm(this.#metaPath(key), { force: true })
    await this.#removeEmptyParents(dirname(path), join(this.root, this.bucket))
    await this.#removeEmptyParents(
      dirname(this.#metaPath(key)),
      join(this.root, META_DIR, this.bucket),
    )
  }

  async list(prefix = ''): Promise<string[]> {
    assertSafePrefix(prefix)
    const bucketDir = join(this.root, this.bucket)
    // Only the folders the prefix can lie in are walked.
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : ''
    const keys: string[] = []
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(missing)
      for (const entry of entries ?? []) {
        const full = join(dir, entry.name)
        if (entry.isDirectory()) await walk(full)
        else if (entry.isFile()) {
          const key = relative(bucketDir, full).split(sep).join('/')
          if (key.startsWith(prefix)) keys.push(key)
        }
      }
    }
    await walk(start ? join(bucketDir, start) : bucketDir)
    return keys.sort()
  }

  /**
   * url returns `<baseUrl>/blobs/<key>` (each segment percent-encoded), the path genmedia's HTTP
   * server serves this folder under. It does not expire; `expiresIn` is validated only.
   */
  async url(key: string, options?: UrlOptions): Promise<string> {
    assertSafeKey(key)
    expirySeconds(options)
    return `${this.#baseUrl}${BLOB_URL_PREFIX}${key.split('/').map(encodeURIComponent).join('/')}`
  }

  async close(): Promise<void> {}

  /** keyFromUrlPath reads the key back from a URL path made by `url`; throws ValidationError. */
  static keyFromUrlPath(path: string): string {
    if (!path.startsWith(BLOB_URL_PREFIX)) {
      throw new ValidationError(`${path} is not a blob URL`, 'key')
    }
    let key: string
    try {
      key = path.slice(BLOB_URL_PREFIX.length).split('/').map(decodeURIComponent).join('/')
    } catch {
      throw new ValidationError(`${path} is not a valid blob URL`, 'key')
    }
    return assertSafeKey(key)
  }

  #path(key: string): string {
    assertSafeKey(key)
    const bucketDir = join(this.root, this.bucket)
    const path = resolve(bucketDir, ...key.split('/'))
    // assertSafeKey already rules escapes out; this re-checks the resolved path itself.
    if (!path.startsWith(bucketDir + sep)) {
      throw new ValidationError(`key ${key} leaves bucket ${this.bucket}`, 'key')
    }
    return path
  }

  #metaPath(key: string): string {
    return resolve(this.root, META_DIR, this.bucket, ...`${key}.json`.split('/'))
  }

  async #removeEmptyParents(dir: string, stop: string): Promise<void> {
    for (let d = dir; d.startsWith(stop + sep); d = dirname(d)) {
      try {
        await rmdir(d)
      } catch {
        // Not empty (or already gone): the folders above are not empty either.
        return
      }
    }
  }
}

function missing(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined
  throw error
}
