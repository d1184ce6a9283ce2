import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../../src/core/index.js'
import { LocalBlobStore, S3BlobStore, uploadKey, type BlobStore } from '../../src/storage/index.js'
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from './s3-server.js'

/** One implementation under the contract: how to open it and how to fetch one of its URLs. */
interface Backend {
  name: string
  open(): Promise<BlobStore>
  fetchUrl(store: BlobStore, url: string): Promise<Buffer>
  cleanup(): Promise<void>
}

let s3: S3Server | undefined
const localRoot = mkdtempSync(join(tmpdir(), 'genmedia-blobs-'))

const BACKENDS: Backend[] = [
  {
    name: 'local folder',
    open: async () => new LocalBlobStore({ root: localRoot }),
    // genmedia's HTTP server maps the path back to a key and reads the object.
    fetchUrl: async (store, url) => (await store.get(LocalBlobStore.keyFromUrlPath(url))).bytes,
    cleanup: async () => rmSync(localRoot, { recursive: true, force: true }),
  },
  {
    name: 'S3 protocol (s3rver)',
    open: async () => {
      s3 ??= await startS3Server()
      return new S3BlobStore({ endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS })
    },
    fetchUrl: async (_store, url) => {
      const response = await fetch(url)
      expect(response.status).toBe(200)
      return Buffer.from(await response.arrayBuffer())
    },
    cleanup: async () => s3?.stop(),
  },
]

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')

describe.each(BACKENDS)('BlobStore contract: $name', (backend) => {
  let store: BlobStore
  beforeAll(async () => {
    store = await backend.open()
  })
  afterAll(async () => {
    await store.close()
    await backend.cleanup()
  })

  it('stores, reads and describes an object', async () => {
    const info = await store.put('uploads/1/100_a.png', PNG, 'image/png')
    expect(info).toMatchObject({ key: 'uploads/1/100_a.png', size: PNG.length })
    const blob = await store.get('uploads/1/100_a.png')
    expect(blob.bytes.equals(PNG)).toBe(true)
    expect(blob.contentType).toBe('image/png')
    const head = await store.head('uploads/1/100_a.png')
    expect(head).toMatchObject({ size: PNG.length, contentType: 'image/png' })
    expect(head!.lastModified).toBeInstanceOf(Date)
    expect(await store.exists('uploads/1/100_a.png')).toBe(true)
  })

  it('replaces an object on a second put', async () => {
    await store.put('generated/5/1_1.jpg', Buffer.from('one'), 'image/jpeg')
    await store.put('generated/5/1_1.jpg', Buffer.from('second'), 'text/plain')
    const blob = await store.get('generated/5/1_1.jpg')
    expect(blob.bytes.toString()).toBe('second')
    expect(blob.contentType).toBe('text/plain')
  })

  it('reports a missing object: get throws NotFoundError, head undefined, exists false', async () => {
    await expect(store.get('uploads/1/missing.png')).rejects.toBeInstanceOf(NotFoundError)
    expect(await store.head('uploads/1/missing.png')).toBeUndefined()
    expect(await store.exists('uploads/1/missing.png')).toBe(false)
  })

  it('deletes idempotently', async () => {
    await store.put('uploads/2/200_b.png', PNG, 'image/png')
    await store.delete('uploads/2/200_b.png')
    await store.delete('uploads/2/200_b.png')
    expect(await store.exists('uploads/2/200_b.png')).toBe(false)
  })

  it('lists keys by prefix, sorted', async () => {
    await store.put('list/x/2.jpg', PNG, 'image/jpeg')
    await store.put('list/x/1.jpg', PNG, 'image/jpeg')
    await store.put('list/x10/1.jpg', PNG, 'image/jpeg')
    await store.put('list/y/1.jpg', PNG, 'image/jpeg')
    expect(await store.list('list/x/')).toEqual(['list/x/1.jpg', 'list/x/2.jpg'])
    expect(await store.list('list/x')).toEqual(['list/x/1.jpg', 'list/x/2.jpg', 'list/x10/1.jpg'])
    expect(await store.list('list/none/')).toEqual([])
    expect(await store.list()).toEqual(expect.arrayContaining(['list/y/1.jpg']))
  })

  it('gives a URL that fetches the object', async () => {
    await store.put('uploads/3/300_c d.png', PNG, 'image/png')
    const url = await store.url('uploads/3/300_c d.png', { expiresIn: 120 })
    expect((await backend.fetchUrl(store, url)).equals(PNG)).toBe(true)
    await expect(store.url('uploads/3/300_c d.png', { expiresIn: 0 })).rejects.toMatchObject({
      field: 'expiresIn',
    })
  })

  it.each([
    '../escape.png',
    'uploads/../../escape.png',
    '/etc/passwd',
    'uploads//x.png',
    'uploads/./x.png',
    'uploads\\..\\x.png',
    'uploads/a\u0000b.png',
    '',
  ])('refuses the unsafe key %j on every method', async (key) => {
    for (const call of [
      () => store.put(key, PNG, 'image/png'),
      () => store.get(key),
      () => store.head(key),
      () => store.exists(key),
      () => store.delete(key),
      () => store.url(key),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(ValidationError)
    }
  })

  it('keeps a hostile upload file name inside the user folder', async () => {
    const names = ['../../../../etc/passwd', '..\\..\\boot.ini', 'a/b/../c.png', '..', 'x\ny.png']
    for (const name of names) {
      const key = uploadKey(9, name, new Date(1_700_000_000_000))
      expect(key).toMatch(/^uploads\/9\/1700000000000_[A-Za-z0-9._-]+$/)
      await store.put(key, PNG, 'image/png')
    }
    const keys = await store.list('uploads/9/')
    expect(keys).toHaveLength(names.length)
    for (const key of keys) expect(key.split('/')).toHaveLength(3)
  })
})

describe('LocalBlobStore on disk', () => {
  it('writes only below <root>/<bucket>', async () => {
    const root = mkdtempSync(join(tmpdir(), 'genmedia-blobs-'))
    try {
      const store = new LocalBlobStore({ root, bucket: 'my-bucket' })
      await store.put(uploadKey(1, '../../../outside.png'), PNG, 'image/png')
      await expect(store.put('../outside.png', PNG, 'image/png')).rejects.toBeInstanceOf(
        ValidationError,
      )
      const files = walk(root).map((f) => relative(root, f))
      expect(files.filter((f) => !f.startsWith('.genmedia-'))).toEqual([
        expect.stringMatching(/^my-bucket\/uploads\/1\/\d+_outside\.png$/),
      ])
      expect(existsSync(join(root, '..', 'outside.png'))).toBe(false)
      expect(await store.url('uploads/1/a b.png')).toBe('/blobs/uploads/1/a%20b.png')
      expect(LocalBlobStore.keyFromUrlPath('/blobs/uploads/1/a%20b.png')).toBe('uploads/1/a b.png')
      expect(() => LocalBlobStore.keyFromUrlPath('/blobs/uploads/%2E%2E/x')).toThrow(
        ValidationError,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  )
}
