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

/** The migration that opens image-gen's value lists. */
export const OPEN_VALUES = 5

/**
 * storeBeforeOpenValues makes an image-gen store at the version before OPEN_VALUES with rows in
 * every table the migration touches or that points at it: users, sessions, reference images,
 * jobs (the last one deleted, so that the id counter is past the highest id), generated images,
 * job ↔ reference links and job attempts. The store is left open; the caller closes it.
 */
export async function storeBeforeOpenValues(dir: string, location: string) {
  const store = await openStore(imageGenStore, { location, migrate: false })
  await store.migrator.migrateTo(OPEN_VALUES - 1)
  const blobs = new LocalBlobStore({ root: mkdtempSync(join(dir, 'blobs-')) })
  const repo = new ImageGenRepository(store.db, blobs)
  const user = await repo.createUser({ email: 'open@example.com' })
  const session = await repo.createSession(user.id, { title: 'open values' })
  const ref = await repo.uploadReferenceImage(user.id, {
    file: await tinyImage(),
    file_name: 'r.png',
    session_id: session.id,
  })
  const jobs = []
  for (const [i, style] of ['cinematic', 'anime', 'watercolor', 'sketch'].entries()) {
    jobs.push(
      await repo.createGenerationJob(user.id, {
        session_id: session.id,
        prompt: `a lighthouse in a storm, take ${i}`,
        style,
        shot_type: 'wide',
        camera_angle: 'low_angle',
        aspect_ratio: '16:9',
        generation_method: 'openai',
        number_of_shots: 2,
        reference_image_ids: [ref.id],
      }),
    )
  }
  await repo.startJob(user.id, jobs[0]!.id)
  await repo.recordGeneratedImages(user.id, jobs[0]!.id, [
    { file: await tinyImage() },
    { file: await tinyImage() },
  ])
  const p = store.db.dialect.parameter
  await store.db.query(
    `INSERT INTO job_attempts (job_id, attempt, worker, started_at, outcome) VALUES (${p(1)}, 1, 'w', CURRENT_TIMESTAMP, 'failed')`,
    [jobs[1]!.id],
  )
  const deleted = jobs.pop()!
  await repo.deleteJob(user.id, deleted.id)
  return { store, repo, user, session, ref, jobs, deletedId: deleted.id }
}
