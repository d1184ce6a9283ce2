import { mkdtempSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  backupStore,
  BlobBackupTarget,
  checkBackup,
  FolderBackupTarget,
  pruneBackups,
  restoreStore,
  sha256Of,
  type BackupTarget,
} from '../../src/core/backup/index.js'
import { diagnoseStore } from '../../src/core/doctor.js'
import { openStore } from '../../src/core/index.js'
import {
  imageGenStore,
  ImageGenRepository,
  keyFromBucketPath,
  LocalBlobStore,
  S3BlobStore,
  type BlobStore,
} from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../storage/s3-server.js'

/** Every referenced object of an image-gen store with its bytes' SHA-256, by key. */
async function objectPrints(location: string, blobs: BlobStore): Promise<Record<string, string>> {
  const store = await openStore(imageGenStore, { location, readOnly: true })
  try {
    const rows = await store.db.query<{ path: string }>(imageGenStore.blobs!.references)
    const prints: Record<string, string> = {}
    for (const { path } of rows) {
      const key = keyFromBucketPath(blobs.bucket, path)
      prints[key] = sha256Of((await blobs.get(key)).bytes)
    }
    return prints
  } finally {
    await store.close()
  }
}

let s3: S3Server
beforeAll(async () => {
  s3 = await startS3Server(['backups'])
})
afterAll(() => s3.stop())

describe.each(ENGINES.filter((e) => e.concurrent))(
  'image-gen backups with blobs on $name',
  (engine) => {
    const ctx = useEngine(engine)

    /** A seeded image-gen store with its own local blob folder. */
    async function seeded(label: string) {
      const location = ctx.freshLocation(label)
      const blobs = new LocalBlobStore({ root: mkdtempSync(join(ctx.dir, 'blobs-')) })
      const store = await openStore(imageGenStore, { location })
      const repo = new ImageGenRepository(store.db, blobs)
      await imageGenStore.seedSampleData(repo, store.db)
      return { location, blobs, store, repo }
    }

    const targets: Record<string, () => BackupTarget> = {
      folder: () => new FolderBackupTarget(mkdtempSync(join(ctx.dir, 'backups-'))),
      s3: () =>
        new BlobBackupTarget(
          new S3BlobStore({
            bucket: 'backups',
            endpoint: s3.endpoint,
            credentials: S3RVER_CREDENTIALS,
          }),
          `run-${Math.random().toString(36).slice(2)}`,
          's3://backups',
        ),
    }

    it.each(Object.keys(targets))(
      'a restore from a %s target brings rows and blobs back byte for byte',
      async (kind) => {
        const { location, blobs, store, repo } = await seeded(`blobs_${kind}`)
        const target = targets[kind]!()
        const restorePointDir = join(ctx.dir, `points-${kind}`)
        try {
          const before = await objectPrints(location, blobs)
          expect(Object.keys(before).length).toBeGreaterThan(5)
          const first = await backupStore(imageGenStore, { location, target, blobs })
          expect(first.manifest.verified).toBe(true)
          expect(first.manifest.blobs).toMatchObject({
            bucket: blobs.bucket,
            missing: [],
            written: Object.keys(before).length,
          })
          expect(first.manifest.blobs!.objects.map((o) => o.key).sort()).toEqual(
            Object.keys(before).sort(),
          )

          // Delete an image (its row and its file), then back up again: nothing new to copy.
          const [image] = await store.db.query<{ id: number; user_id: number }>(
            'SELECT id, user_id FROM generated_images ORDER BY id LIMIT 1',
          )
          await repo.deleteGeneratedImage(image!.user_id, image!.id)
          const second = await backupStore(imageGenStore, {
            location,
            target,
            blobs,
            now: new Date(Date.parse(first.manifest.createdAt) + 1000),
          })
          expect(second.manifest.blobs).toMatchObject({ written: 0, missing: [] })
          expect(second.manifest.blobs!.objects).toHaveLength(Object.keys(before).length - 1)
          await store.close()

          const restored = await restoreStore(
            imageGenStore,
            { target, file: first.manifest.file },
            { location, blobs, restorePointDir },
          )
          expect(restored.blobs).toEqual({ put: 1, present: Object.keys(before).length - 1 })
          expect(await objectPrints(location, blobs)).toEqual(before)
          expect((await checkBackup(target, 'image-gen', first.manifest.file)).verified).toBe(true)

          // Retention takes the objects only the pruned backup held with it.
          const { pruned } = await pruneBackups(target, 'image-gen', { keep: 1 })
          expect(pruned).toEqual([first.manifest.file])
          expect(await target.listBlobs('image-gen')).toEqual(
            [...new Set(second.manifest.blobs!.objects.map((o) => o.sha256))].sort(),
          )
          expect((await checkBackup(target, 'image-gen', second.manifest.file)).verified).toBe(true)
        } finally {
          await target.close()
        }
      },
      60_000,
    )

    it('a changed blob in the backup is refused and the store stays as it was', async () => {
      const { location, blobs, store, repo } = await seeded('blobs_corrupt')
      const target = new FolderBackupTarget(mkdtempSync(join(ctx.dir, 'backups-')))
      const { manifest } = await backupStore(imageGenStore, { location, target, blobs })
      const [image] = await store.db.query<{
        id: number
        user_id: number
        gcp_bucket_path: string
      }>('SELECT id, user_id, gcp_bucket_path FROM generated_images ORDER BY id LIMIT 1')
      await repo.deleteGeneratedImage(image!.user_id, image!.id)
      await store.close()
      const after = await objectPrints(location, blobs)
      const key = keyFromBucketPath(blobs.bucket, image!.gcp_bucket_path)
      const object = manifest.blobs!.objects.find((o) => o.key === key)!
      await target.putBlob('image-gen', object.sha256, Buffer.from('not the image'))

      const check = await checkBackup(target, 'image-gen', manifest.file)
      expect(check.verified).toBe(false)
      expect(check.problems.join()).toMatch(/checksum mismatch/)
      await expect(
        restoreStore(
          imageGenStore,
          { target, file: manifest.file },
          { location, blobs, restorePointDir: join(ctx.dir, 'points-corrupt') },
        ),
      ).rejects.toThrow(/checksum mismatch/)
      expect(await objectPrints(location, blobs)).toEqual(after)
      expect(await blobs.exists(key)).toBe(false)
    })

    it('doctor flags a row whose blob is missing, a size mismatch and an orphan', async () => {
      const { location, blobs, store } = await seeded('blobs_doctor')
      const env = { GENMEDIA_STORAGE_URL: `file://${blobs.root}` }
      const ok = await diagnoseStore(imageGenStore, { location, env })
      expect(ok.checks.find((c) => c.name === 'blobs')).toMatchObject({ status: 'ok' })

      const rows = await store.db.query<{ gcp_bucket_path: string }>(
        'SELECT gcp_bucket_path FROM generated_images ORDER BY id LIMIT 2',
      )
      await store.close()
      const [gone, resized] = rows.map((r) => keyFromBucketPath(blobs.bucket, r.gcp_bucket_path))
      await blobs.delete(gone!)
      await blobs.put(resized!, Buffer.from('short'), 'image/jpeg')
      await blobs.put('uploads/9/1700000000000_stray.png', Buffer.from('x'), 'image/png')
      const report = await diagnoseStore(imageGenStore, { location, env })
      expect(report.ok).toBe(false)
      const blobCheck = report.checks.find((c) => c.name === 'blobs')!
      expect(blobCheck.status).toBe('error')
      expect(blobCheck.message).toContain(`generated_images`)
      expect(blobCheck.message).toContain(gone!)
      expect(blobCheck.message).toMatch(/5 bytes/)
      expect(blobCheck.message).toMatch(/1 object\(s\) no row refers to.*sweep-blobs/)
      expect(readdirSync(blobs.root).length).toBeGreaterThan(0)
    })
  },
)
