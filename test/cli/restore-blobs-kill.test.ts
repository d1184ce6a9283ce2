import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backupStore, FolderBackupTarget, sha256Of } from '../../src/core/backup/index.js'
import { openStore } from '../../src/core/index.js'
import {
  imageGenStore,
  ImageGenRepository,
  keyFromBucketPath,
  LocalBlobStore,
  renderSampleImage,
} from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { inLanes, runThenKill, useBundledCli, storeFingerprint } from './killable-cli.js'

const BUNDLE = useBundledCli()

/** SIGKILLs per engine, spread over LANES stores killed side by side. */
const KILLS = 8
const LANES = 4

const fingerprint = (location: string) => storeFingerprint(imageGenStore, location)

/** The keys of the objects the store's rows refer to. */
async function referencedKeys(location: string, blobs: LocalBlobStore): Promise<string[]> {
  const store = await openStore(imageGenStore, { location, readOnly: true })
  try {
    const rows = await store.db.query<{ path: string }>(imageGenStore.blobs!.references)
    return rows.map((r) => keyFromBucketPath(blobs.bucket, r.path))
  } finally {
    await store.close()
  }
}

describe.each(ENGINES.filter((e) => e.concurrent))(
  'killed restores of blobs on $name',
  (engine) => {
    const ctx = useEngine(engine)

    it('a restore SIGKILLed at random points leaves rows and objects of the old state or of the new', async () => {
      const lanes = await inLanes(ctx.dir, LANES, async (dataDir, lane) => {
        const location = ctx.freshLocation(`blobkill_${lane}`)
        const blobs = new LocalBlobStore({ root: join(dataDir, 'blobs') })
        const target = new FolderBackupTarget(join(dataDir, 'backups'))
        const store = await openStore(imageGenStore, { location })
        const repo = new ImageGenRepository(store.db, blobs)
        await imageGenStore.seedSampleData(repo, store.db)
        const a = await backupStore(imageGenStore, { location, target, blobs })
        const printA = await fingerprint(location)
        // State B: half the generated images gone (rows and objects), one new upload.
        const images = await store.db.query<{ id: number; user_id: number }>(
          'SELECT id, user_id FROM generated_images WHERE id % 2 = 0',
        )
        for (const image of images) await repo.deleteGeneratedImage(image.user_id, image.id)
        const [user] = await store.db.query<{ id: number }>('SELECT id FROM users LIMIT 1')
        await repo.uploadReferenceImage(user!.id, {
          file: await renderSampleImage({ width: 40, height: 30 }, [lane * 50, 9, 9], [9, 9, 9]),
          file_name: 'later.png',
        })
        await store.close()
        const b = await backupStore(imageGenStore, {
          location,
          target,
          blobs,
          now: new Date(Date.parse(a.manifest.createdAt) + 1000),
        })
        // What every key's bytes must be, in either state.
        const expected = new Map(
          [...a.manifest.blobs!.objects, ...b.manifest.blobs!.objects].map((o) => [
            o.key,
            o.sha256,
          ]),
        )
        return {
          location,
          blobs,
          expected,
          env: {
            GENMEDIA_DATA_DIR: dataDir,
            GENMEDIA_IMAGE_GEN_URL: location,
            GENMEDIA_STORAGE_URL: `file://${blobs.root}`,
          },
          prints: [printA, await fingerprint(location)],
          files: [a.manifest.file, b.manifest.file],
        }
      })
      type Lane = (typeof lanes)[number]
      const restore = (lane: Lane, to: number, delay: number | null) =>
        runThenKill(
          BUNDLE,
          lane.env,
          ['restore', 'image-gen', lane.files[to]!, '--yes'],
          delay === null ? null : 'SIGKILL',
          delay ?? 0,
        )

      /** Removes every object the live rows do not refer to: the restore must write them. */
      async function onlyLiveObjects(lane: Lane) {
        const live = new Set(await referencedKeys(lane.location, lane.blobs))
        for (const key of await lane.blobs.list()) if (!live.has(key)) await lane.blobs.delete(key)
      }

      /** Every object the rows refer to is there, with the bytes its backup recorded. */
      async function consistent(lane: Lane) {
        for (const key of await referencedKeys(lane.location, lane.blobs)) {
          const blob = await lane.blobs.get(key)
          expect(sha256Of(blob.bytes)).toBe(lane.expected.get(key))
        }
      }

      const started = Date.now()
      await Promise.all(lanes.map((lane) => onlyLiveObjects(lane)))
      expect(await Promise.all(lanes.map((lane) => restore(lane, 0, null)))).toEqual(
        lanes.map(() => 0),
      )
      const span = Date.now() - started
      for (const lane of lanes) {
        expect(await fingerprint(lane.location)).toBe(lane.prints[0])
        await consistent(lane)
      }
      let current = lanes.map(() => 0)
      const outcomes = { old: 0, new: 0 }
      for (let round = 0; round < KILLS / LANES; round++) {
        current = await Promise.all(
          lanes.map(async (lane, i) => {
            const next = 1 - current[i]!
            await onlyLiveObjects(lane)
            await restore(lane, next, Math.floor(span * (0.1 + Math.random() * 0.9)))
            const at = lane.prints.indexOf(await fingerprint(lane.location))
            expect(at === current[i] || at === next).toBe(true)
            await consistent(lane)
            outcomes[at === next ? 'new' : 'old']++
            return at
          }),
        )
      }
      expect(outcomes.old + outcomes.new).toBe(KILLS)
      for (const [i, lane] of lanes.entries()) {
        await onlyLiveObjects(lane)
        expect(await restore(lane, 1 - current[i]!, null)).toBe(0)
        await consistent(lane)
      }
    }, 180_000)
  },
)
