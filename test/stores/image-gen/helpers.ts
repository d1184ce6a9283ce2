import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { openStore, type OpenStore } from '../../../src/core/index.js'
import {
  imageGenStore,
  ImageGenRepository,
  LocalBlobStore,
  renderSampleImage,
  type BlobStore,
} from '../../../src/stores/image-gen/index.js'
import type { EngineContext } from '../../engines.js'

export interface Opened {
  store: OpenStore<ImageGenRepository>
  repo: ImageGenRepository
  blobs: BlobStore
}

/**
 * useImageGen opens image-gen stores on the engine with a blob store of the test's choice
 * (default: a new local folder) and closes them after each test.
 */
export function useImageGen(ctx: EngineContext) {
  const open: OpenStore<ImageGenRepository>[] = []
  afterEach(async () => {
    while (open.length) await open.pop()!.close()
  })
  return async (blobs?: BlobStore, label = 'image_gen'): Promise<Opened> => {
    const store = await openStore(imageGenStore, { location: ctx.freshLocation(label) })
    open.push(store)
    const b = blobs ?? new LocalBlobStore({ root: mkdtempSync(join(ctx.dir, 'blobs-')) })
    return { store, repo: new ImageGenRepository(store.db, b), blobs: b }
  }
}

/** A small real image. */
export function tinyImage(format: 'png' | 'jpeg' = 'png', width = 32, height = 24) {
  return renderSampleImage({ width, height }, [200, 30, 30], [30, 30, 200], { format })
}

/** A user with a session, ready to generate. */
export async function userWithSession(repo: ImageGenRepository, email: string) {
  const user = await repo.createUser({ email, display_name: email.split('@')[0] })
  const session = await repo.createSession(user.id, { title: `${email} session` })
  return { user, session }
}

/** Counts the rows of a table. */
export async function countRows(store: OpenStore, table: string): Promise<number> {
  const [row] = await store.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)
  return Number(row?.n ?? 0)
}

/**
 * HookedBlobStore wraps a real blob store and calls `onPut` before each put with its 1-based
 * number: a test makes the n-th put fail, or changes the database meanwhile.
 */
export class HookedBlobStore implements BlobStore {
  readonly kind: BlobStore['kind']
  readonly bucket: string
  puts = 0
  constructor(
    readonly inner: BlobStore,
    readonly onPut: (n: number, key: string) => Promise<void>,
  ) {
    this.kind = inner.kind
    this.bucket = inner.bucket
  }
  async put(key: string, bytes: Uint8Array, contentType: string) {
    await this.onPut(++this.puts, key)
    return this.inner.put(key, bytes, contentType)
  }
  get = (key: string) => this.inner.get(key)
  head = (key: string) => this.inner.head(key)
  exists = (key: string) => this.inner.exists(key)
  delete = (key: string) => this.inner.delete(key)
  list = (prefix?: string) => this.inner.list(prefix)
  url = (key: string, options?: { expiresIn?: number }) => this.inner.url(key, options)
  close = () => this.inner.close()
}
