import { describe, expect, it } from 'vitest'
import {
  ImageGenRepository,
  keyFromBucketPath,
  sweepOrphanBlobs,
  type BlobStore,
} from '../../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../../engines.js'
import { HookedBlobStore, tinyImage, useImageGen, userWithSession } from './helpers.js'

/** A blob store whose deletes fail, as an unreachable S3 endpoint would make them. */
class FailingDeletes extends HookedBlobStore {
  constructor(inner: BlobStore) {
    super(inner, async () => undefined)
  }
  override delete = async () => {
    throw new Error('connect ECONNREFUSED')
  }
}

const LATER = new Date(Date.now() + 2 * 3600_000)

describe.each(ENGINES)('sweeping image-gen’s orphaned blobs on $name', (engine) => {
  const ctx = useEngine(engine)
  const open = useImageGen(ctx)

  it('removes only old objects no row refers to, under image-gen’s prefixes', async () => {
    const { store, repo, blobs } = await open()
    const { user, session } = await userWithSession(repo, 'sweep@example.com')
    const reference = await repo.uploadReferenceImage(user.id, {
      file: await tinyImage(),
      file_name: 'ref.png',
    })
    const job = await repo.createGenerationJob(user.id, {
      session_id: session.id,
      prompt: 'p',
      number_of_shots: 2,
    })
    await repo.startJob(user.id, job.id)
    const [kept, dropped] = await repo.recordGeneratedImages(user.id, job.id, [
      { file: await tinyImage() },
      { file: await tinyImage() },
    ])
    // The row goes, its object stays behind: the delete of the object fails.
    const failing = new ImageGenRepository(store.db, new FailingDeletes(blobs))
    await expect(failing.deleteGeneratedImage(user.id, dropped!.id)).rejects.toThrow(/ECONNREFUSED/)
    const droppedKey = keyFromBucketPath(blobs.bucket, dropped!.gcp_bucket_path)
    expect(await blobs.exists(droppedKey)).toBe(true)
    // An upload that died before its row, and an object that is not image-gen's.
    await blobs.put('uploads/9/1700000000000_lost.png', await tinyImage(), 'image/png')
    await blobs.put('exports/report.csv', Buffer.from('a,b\n'), 'text/csv')
    const orphans = [droppedKey, 'uploads/9/1700000000000_lost.png'].sort()
    const sweep = (options: Parameters<typeof sweepOrphanBlobs>[1]) =>
      sweepOrphanBlobs({ db: store.db, blobs }, options)

    // Everything is younger than the grace period: nothing goes.
    expect(await sweep({})).toMatchObject({ scanned: 4, unreferenced: 2, young: 2, removed: [] })

    const dry = await sweep({ dryRun: true, now: LATER })
    expect(dry).toMatchObject({ dryRun: true, unreferenced: 2, young: 0 })
    expect(dry.removed.sort()).toEqual(orphans)
    expect(dry.bytes).toBeGreaterThan(0)
    expect(await blobs.exists(droppedKey)).toBe(true)

    const done = await sweep({ now: LATER })
    expect(done.removed.sort()).toEqual(orphans)
    expect(done.bytes).toBe(dry.bytes)
    const left = await blobs.list()
    expect(left.sort()).toEqual(
      [
        'exports/report.csv',
        keyFromBucketPath(blobs.bucket, reference.gcp_bucket_path),
        keyFromBucketPath(blobs.bucket, kept!.gcp_bucket_path),
      ].sort(),
    )
    expect(await sweep({ now: LATER })).toMatchObject({ scanned: 2, unreferenced: 0, removed: [] })
  })
})
