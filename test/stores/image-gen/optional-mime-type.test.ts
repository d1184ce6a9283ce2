import { describe, expect, it } from 'vitest'
import { ConflictError, ValidationError } from '../../../src/core/index.js'
import { imageGenStore } from '../../../src/stores/image-gen/index.js'
import { storeFingerprint } from '../../cli/killable-cli.js'
import { ENGINES, useEngine } from '../../engines.js'
import { countRows, storeBeforeOpenValues } from './helpers.js'

/** Migration 7: a reference image's mime_type may be NULL (seed 001 states no rule for it). */
const OPTIONAL_MIME_TYPE = 7

describe.each(ENGINES)('image-gen reference images without a mime type on $name', (engine) => {
  const ctx = useEngine(engine)

  it('takes a NULL mime_type from other programs; goes down only when none is left', async () => {
    const location = ctx.freshLocation('optional_mime')
    const { store, repo, user, ref } = await storeBeforeOpenValues(ctx.dir, location)
    try {
      await store.migrator.migrateTo(OPTIONAL_MIME_TYPE - 1)
      const print = await storeFingerprint(imageGenStore, location)
      const links = await countRows(store, 'generation_job_reference_images')
      expect(await store.migrator.migrateTo(OPTIONAL_MIME_TYPE)).toMatchObject({
        applied: [OPTIONAL_MIME_TYPE],
      })
      // Every row, id and link kept; the cascade from users still there.
      expect(await storeFingerprint(imageGenStore, location)).toBe(print)
      expect(await countRows(store, 'generation_job_reference_images')).toBe(links)

      const p = store.db.dialect.parameter
      const insert = (bucketPath: string) =>
        store.db.query(
          `INSERT INTO reference_images (user_id, gcp_bucket_path, gcp_url, file_name, file_size) VALUES (${p(1)}, ${p(2)}, 'u', 'x.png', 1)`,
          [user.id, bucketPath],
        )
      await insert('bucket/uploads/untyped.png')
      const page = await repo.listReferenceImages(user.id)
      const untyped = page.items.find((r) => r.gcp_bucket_path === 'bucket/uploads/untyped.png')
      expect(untyped).toMatchObject({ mime_type: null })
      expect((await repo.getReferenceImage(user.id, ref.id)).mime_type).toBe('image/png')

      const held = await storeFingerprint(imageGenStore, location)
      const refused = await store.migrator
        .migrateTo(OPTIONAL_MIME_TYPE - 1)
        .catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ConflictError)
      expect((refused as Error).message).toContain(`id ${untyped!.id} has mime_type null`)
      expect(await store.migrator.currentVersion()).toBe(OPTIONAL_MIME_TYPE)
      expect(await storeFingerprint(imageGenStore, location)).toBe(held)

      await store.db.query(
        "UPDATE reference_images SET mime_type = 'image/png' WHERE mime_type IS NULL",
      )
      expect(await store.migrator.migrateTo(OPTIONAL_MIME_TYPE - 1)).toMatchObject({
        reverted: [OPTIONAL_MIME_TYPE],
      })
      await expect(insert('bucket/uploads/again.png')).rejects.toBeInstanceOf(ValidationError)
      await store.db.query(`DELETE FROM users WHERE id = ${p(1)}`, [user.id])
      expect(await countRows(store, 'reference_images')).toBe(0)
    } finally {
      await store.close()
    }
  })
})
