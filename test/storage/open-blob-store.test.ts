import { describe, expect, it } from 'vitest'
import { ConfigError, ValidationError } from '../../src/core/index.js'
import {
  DEFAULT_BUCKET,
  LocalBlobStore,
  openBlobStore,
  S3BlobStore,
  sanitizeFileName,
  storageUrl,
  generatedKey,
} from '../../src/storage/index.js'

describe('openBlobStore', () => {
  it('defaults to a folder under GENMEDIA_DATA_DIR with the seed bucket', () => {
    const env = { GENMEDIA_DATA_DIR: '/srv/genmedia' }
    expect(storageUrl(env, '/')).toBe('file:///srv/genmedia/blobs')
    const store = openBlobStore(undefined, env, '/')
    expect(store).toBeInstanceOf(LocalBlobStore)
    expect((store as LocalBlobStore).root).toBe('/srv/genmedia/blobs')
    expect(store.bucket).toBe(DEFAULT_BUCKET)
  })

  it('reads a relative folder, bucket and base URL', async () => {
    const store = openBlobStore('file://data/b?bucket=media&baseUrl=http://h:8080/', {}, '/w')
    expect((store as LocalBlobStore).root).toBe('/w/data/b')
    expect(store.bucket).toBe('media')
    expect(await store.url('uploads/1/x.png')).toBe('http://h:8080/blobs/uploads/1/x.png')
  })

  it('opens S3 with endpoint, region and path style', async () => {
    const store = openBlobStore(
      's3://video-gen-image-bucket?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=auto',
      { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
    ) as S3BlobStore
    expect(store).toBeInstanceOf(S3BlobStore)
    expect(store.bucket).toBe('video-gen-image-bucket')
    const { client } = await store.sdk()
    expect(await client.config.region()).toBe('auto')
    expect(client.config.forcePathStyle).toBe(true)
    await store.close()
  })

  it('refuses unknown schemes, bad buckets and flags', () => {
    expect(() => openBlobStore('ftp://x', {})).toThrow(ConfigError)
    expect(() => openBlobStore('s3://Bad_Bucket', {})).toThrow(ConfigError)
    expect(() => openBlobStore('s3://bucket?forcePathStyle=yes', {})).toThrow(ConfigError)
    expect(() => openBlobStore('file://', {})).toThrow(ConfigError)
  })
})

describe('key builders', () => {
  it('sanitise file names to one segment', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd')
    expect(sanitizeFileName('..')).toBe('file')
    expect(sanitizeFileName('.env')).toBe('_env')
    expect(sanitizeFileName('my photo (1).JPG')).toBe('my_photo__1_.JPG')
    expect(sanitizeFileName('a\u0000\n.png')).toBe('a__.png')
    expect(sanitizeFileName(`${'x'.repeat(300)}.png`)).toHaveLength(120)
  })

  it('build the seed layout and refuse bad ids', () => {
    const at = new Date(1_700_000_000_000)
    expect(generatedKey(12, 3, at)).toBe('generated/12/3_1700000000000.jpg')
    expect(() => generatedKey(0, 1, at)).toThrow(ValidationError)
    expect(() => generatedKey(1, 1.5, at)).toThrow(ValidationError)
  })
})
