import type { S3Client } from '@aws-sdk/client-s3'
import { NotFoundError } from '../core/errors.js'
import { CheckedBlobStore, type BlobInfo, type StoredBlob } from './blob-store.js'

export interface S3BlobStoreOptions {
  bucket?: string
  /** The service's endpoint (MinIO, R2, GCS interoperability, s3rver); default AWS S3. */
  endpoint?: string
  /** Default `us-east-1` (R2 and GCS accept `auto`). */
  region?: string
  /** Path-style URLs (`endpoint/bucket/key`), as MinIO and s3rver need; default true with an endpoint. */
  forcePathStyle?: boolean
  /** Explicit credentials; without them the AWS SDK's default chain (environment, profile, role) is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
}

/**
 * S3BlobStore keeps objects in one bucket of an S3-compatible service through the AWS SDK: AWS
 * S3, Google Cloud Storage's interoperability endpoint, MinIO, Cloudflare R2. The bucket must
 * exist. URLs are presigned GET URLs.
 */
export class S3BlobStore extends CheckedBlobStore {
  readonly kind = 's3' as const
  readonly #options: S3BlobStoreOptions
  #sdk: Promise<Sdk> | undefined
  #closed = false

  constructor(options: S3BlobStoreOptions = {}) {
    super(options.bucket)
    this.#options = options
  }

  /**
   * sdk loads the AWS SDK and makes the client on the store's first request: the SDK is a
   * third of a second of start-up that every command which never touches S3 would pay.
   */
  sdk(): Promise<Sdk> {
    this.#sdk ??= Promise.all([
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/s3-request-presigner'),
    ]).then(([s3, presigner]) => ({
      s3,
      getSignedUrl: presigner.getSignedUrl,
      client: new s3.S3Client({
        region: this.#options.region ?? 'us-east-1',
        endpoint: this.#options.endpoint,
        forcePathStyle: this.#options.forcePathStyle ?? this.#options.endpoint !== undefined,
        credentials: this.#options.credentials,
      }),
    }))
    return this.#sdk
  }

  protected async putObject(
    key: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<BlobInfo> {
    const { s3, client } = await this.sdk()
    await client.send(
      new s3.PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        ContentLength: bytes.byteLength,
      }),
    )
    return { key, size: bytes.byteLength, contentType, lastModified: new Date() }
  }

  protected async getObject(key: string): Promise<StoredBlob> {
    const { s3, client } = await this.sdk()
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }))
      const bytes = Buffer.from(await out.Body!.transformToByteArray())
      return {
        key,
        bytes,
        size: bytes.byteLength,
        contentType: out.ContentType ?? 'application/octet-stream',
        lastModified: out.LastModified ?? new Date(0),
      }
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`no object ${key} in bucket ${this.bucket}`)
      throw error
    }
  }

  protected async headObject(key: string): Promise<BlobInfo | undefined> {
    const { s3, client } = await this.sdk()
    try {
      const out = await client.send(new s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return {
        key,
        size: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        lastModified: out.LastModified ?? new Date(0),
      }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  protected async deleteObject(key: string): Promise<void> {
    const { s3, client } = await this.sdk()
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
  }

  protected async listKeys(prefix: string): Promise<string[]> {
    const { s3, client } = await this.sdk()
    const keys: string[] = []
    let token: string | undefined
    do {
      const out = await client.send(
        new s3.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix || undefined,
          ContinuationToken: token,
        }),
      )
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key)
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token)
    return keys.sort()
  }

  /** urlOf returns a presigned GET URL valid for `expiresIn` seconds (default one hour). */
  protected async urlOf(key: string, expiresIn: number): Promise<string> {
    const { s3, client, getSignedUrl } = await this.sdk()
    return getSignedUrl(client, new s3.GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn,
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#sdk) (await this.#sdk).client.destroy()
  }
}

interface Sdk {
  s3: typeof import('@aws-sdk/client-s3')
  getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl
  client: S3Client
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404
}
