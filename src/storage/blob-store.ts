import { ValidationError } from '../core/errors.js'

/** The bucket of seed 001's layout, used when the storage URL names none. */
export const DEFAULT_BUCKET = 'video-gen-image-bucket'

/** The default lifetime of a presigned URL, in seconds (one hour). */
export const DEFAULT_URL_EXPIRY_SECONDS = 3600

/** The longest lifetime S3's signature version 4 allows for a presigned URL (seven days). */
export const MAX_URL_EXPIRY_SECONDS = 7 * 24 * 3600

/** BlobInfo describes a stored object without its bytes. */
export interface BlobInfo {
  key: string
  size: number
  contentType: string
  lastModified: Date
}

/** Blob is a stored object with its bytes. */
export interface StoredBlob extends BlobInfo {
  bytes: Buffer
}

export interface UrlOptions {
  /** Seconds the URL stays valid (presigned URLs); 1 to MAX_URL_EXPIRY_SECONDS. */
  expiresIn?: number
}

/**
 * BlobStore is one bucket of objects addressed by keys such as `uploads/7/1700000000000_cat.png`.
 * Keys are validated by every method (see assertSafeKey): no absolute paths, no `.`/`..`
 * segments, no backslashes or control characters. Implementations: LocalBlobStore (a folder)
 * and S3BlobStore (any S3-compatible service).
 */
export interface BlobStore {
  /** `file` or `s3`. */
  readonly kind: 'file' | 's3'
  /** The bucket name; stored paths are `<bucket>/<key>`. */
  readonly bucket: string
  /** put stores `bytes` under `key`, replacing any object there. Whole or not at all. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<BlobInfo>
  /** get returns the object, or throws NotFoundError. */
  get(key: string): Promise<StoredBlob>
  /** head returns the object's metadata, or undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>
  /** exists tells whether an object is stored under `key`. */
  exists(key: string): Promise<boolean>
  /** delete removes the object; idempotent (no error when it does not exist). */
  delete(key: string): Promise<void>
  /** list returns every key starting with `prefix` (plain string prefix, as S3), sorted. */
  list(prefix?: string): Promise<string[]>
  /**
   * url returns a URL that fetches the object: presigned on S3 (valid `expiresIn` seconds), a
   * path served by genmedia's HTTP server for a local folder.
   */
  url(key: string, options?: UrlOptions): Promise<string>
  /** close releases connections; idempotent. */
  close(): Promise<void>
}

/** hasControlCharacter tells whether `text` holds a C0 control, DEL or C1 control character. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

/**
 * assertSafeKey throws ValidationError (field `key`) unless `key` is a relative path of plain
 * segments: not empty, at most 1024 bytes, no leading slash, no empty, `.` or `..` segment, no
 * backslash, no control character. A safe key cannot name anything outside its bucket.
 */
export function assertSafeKey(key: string, field = 'key'): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, field)
  }
  if (Buffer.byteLength(key) > 1024) {
    throw new ValidationError(`${field} is longer than 1024 bytes`, field)
  }
  if (hasControlCharacter(key) || key.includes('\\')) {
    throw new ValidationError(`${field} contains a control character or backslash`, field)
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError(
        `${field} ${JSON.stringify(key)} must be a relative path without empty, . or .. segments`,
        field,
      )
    }
  }
  return key
}

/** assertSafePrefix accepts '' or a key prefix (which may end with `/`). */
export function assertSafePrefix(prefix: string): string {
  if (prefix === '') return prefix
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'prefix')
  return prefix
}

/** assertBucketName throws ValidationError unless `name` follows S3's bucket naming rules. */
export function assertBucketName(name: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..')) {
    throw new ValidationError(
      `bucket ${JSON.stringify(name)} must be 3-63 lower-case letters, digits, dots or hyphens`,
      'bucket',
    )
  }
  return name
}

/** expirySeconds validates a URL lifetime: a whole number of seconds from 1 to seven days. */
export function expirySeconds(options: UrlOptions | undefined): number {
  const value = options?.expiresIn ?? DEFAULT_URL_EXPIRY_SECONDS
  if (!Number.isInteger(value) || value < 1 || value > MAX_URL_EXPIRY_SECONDS) {
    throw new ValidationError(
      `expiresIn must be a whole number of seconds from 1 to ${MAX_URL_EXPIRY_SECONDS}`,
      'expiresIn',
    )
  }
  return value
}

/**
 * CheckedBlobStore is what every BlobStore does alike before its storage is reached: the bucket
 * name, keys, prefixes, a put's content type and a URL's lifetime are checked here (throwing
 * ValidationError), and `exists` is a `head`. A store implements the protected methods, which
 * get their arguments checked. A refused argument rejects the call's promise, as a failure of
 * the storage does.
 */
export abstract class CheckedBlobStore implements BlobStore {
  abstract readonly kind: BlobStore['kind']
  readonly bucket: string

  constructor(bucket: string | undefined) {
    this.bucket = assertBucketName(bucket ?? DEFAULT_BUCKET)
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<BlobInfo> {
    assertSafeKey(key)
    if (!contentType) throw new ValidationError('contentType is required', 'contentType')
    return this.putObject(key, bytes, contentType)
  }

  async get(key: string): Promise<StoredBlob> {
    return this.getObject(assertSafeKey(key))
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    return this.headObject(assertSafeKey(key))
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined
  }

  async delete(key: string): Promise<void> {
    return this.deleteObject(assertSafeKey(key))
  }

  async list(prefix = ''): Promise<string[]> {
    return this.listKeys(assertSafePrefix(prefix))
  }

  async url(key: string, options?: UrlOptions): Promise<string> {
    assertSafeKey(key)
    return this.urlOf(key, expirySeconds(options))
  }

  abstract close(): Promise<void>

  protected abstract putObject(
    key: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<BlobInfo>
  protected abstract getObject(key: string): Promise<StoredBlob>
  protected abstract headObject(key: string): Promise<BlobInfo | undefined>
  protected abstract deleteObject(key: string): Promise<void>
  /** listKeys returns every key starting with `prefix`, sorted. */
  protected abstract listKeys(prefix: string): Promise<string[]>
  /** urlOf returns a URL of `key` valid `expiresIn` seconds (where URLs expire). */
  protected abstract urlOf(key: string, expiresIn: number): Promise<string>
}
