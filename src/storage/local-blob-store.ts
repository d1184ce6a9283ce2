import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { NotFoundError, ValidationError } from '../core/errors.js'
import { assertSafeKey, CheckedBlobStore, type BlobInfo, type StoredBlob } from './blob-store.js'

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
export class LocalBlobStore extends CheckedBlobStore {
  readonly kind = 'file' as const
  readonly root: string
  readonly #baseUrl: string

  constructor(options: LocalBlobStoreOptions) {
    super(options.bucket)
    this.root = resolve(options.root)
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  }

  protected async putObject(
    key: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<BlobInfo> {
    const path = this.#path(key)
    const tmpDir = join(this.root, TMP_DIR)
    await mkdir(tmpDir, { recursive: true })
    await mkdir(dirname(path), { recursive: true })
    await mkdir(dirname(this.#metaPath(key)), { recursive: true })
    const tmp = join(tmpDir, randomBytes(8).toString('hex'))
    await writeFile(`${tmp}.json`, JSON.stringify({ contentType }))
    await rename(`${tmp}.json`, this.#metaPath(key))
    await writeFile(tmp, bytes)
    await rename(tmp, path)
    const info = await this.headObject(key)
    if (!info) throw new NotFoundError(`object ${key} vanished while it was written`)
    return info
  }

  protected async getObject(key: string): Promise<StoredBlob> {
    const info = await this.headObject(key)
    if (!info) throw new NotFoundError(`no object ${key} in bucket ${this.bucket}`)
    return { ...info, bytes: await readFile(this.#path(key)) }
  }

  protected async headObject(key: string): Promise<BlobInfo | undefined> {
    const path = this.#path(key)
    const stats = await stat(path).catch(missing)
    if (!stats?.isFile()) return undefined
    const meta = await readFile(this.#metaPath(key), 'utf8').catch(missing)
    const contentType =
      (meta && (JSON.parse(meta) as { contentType?: string }).contentType) ||
      'application/octet-stream'
    return { key, size: stats.size, contentType, lastModified: stats.mtime }
  }

  protected async deleteObject(key: string): Promise<void> {
    const path = this.#path(key)
    await rm(path, { force: true })
    await rm(this.#metaPath(key), { force: true })
    await this.#removeEmptyParents(dirname(path), join(this.root, this.bucket))
    await this.#removeEmptyParents(
      dirname(this.#metaPath(key)),
      join(this.root, META_DIR, this.bucket),
    )
  }

  protected async listKeys(prefix: string): Promise<string[]> {
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
   * urlOf returns `<baseUrl>/blobs/<key>` (each segment percent-encoded), the path genmedia's
   * HTTP server serves this folder under. It does not expire; `expiresIn` is validated only.
   */
  protected async urlOf(key: string): Promise<string> {
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
    const bucketDir = join(this.root, this.bucket)
    const path = resolve(bucketDir, ...key.split('/'))
    // The key was checked (assertSafeKey), which rules escapes out; this re-checks the path itself.
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
