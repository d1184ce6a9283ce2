import { describe, expect, it } from 'vitest'
import {
  checkDeclaration,
  ConflictError,
  inspectSchema,
  ValidationError,
  type OpenStore,
} from '../../../src/core/index.js'
import { imageGenStore } from '../../../src/stores/image-gen/index.js'
import { storeFingerprint } from '../../cli/killable-cli.js'
import { ENGINES, useEngine } from '../../engines.js'
import { countRows, OPEN_VALUES, storeBeforeOpenValues } from './helpers.js'

/** The indexes and triggers of a store, each with its definition where the engine gives one. */
async function objectsOf(store: OpenStore) {
  const schema = await inspectSchema(store.db)
  return {
    indexes: schema.indexes.map((i) => `${i.table} ${i.name} ${i.definition}`).sort(),
    triggers: schema.triggers.map((t) => `${t.table} ${t.name}`).sort(),
    views: [...schema.views].sort(),
  }
}

describe.each(ENGINES)('image-gen open value lists (migration 5) on $name', (engine) => {
  const ctx = useEngine(engine)

  it('keeps every row, id, index, trigger and foreign key, and takes any value', async () => {
    const location = ctx.freshLocation('open_values')
    const { store, repo, user, session, ref, jobs, deletedId } = await storeBeforeOpenValues(
      ctx.dir,
      location,
    )
    try {
      const objects = await objectsOf(store)
      const print = await storeFingerprint(imageGenStore, location)
      await expect(
        repo.createGenerationJob(user.id, { prompt: 'p', style: 'cyberpunk' }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'style' })

      expect(await store.migrator.migrateTo(OPEN_VALUES)).toMatchObject({ applied: [OPEN_VALUES] })
      expect(await store.migrator.currentVersion()).toBe(OPEN_VALUES)
      expect(await storeFingerprint(imageGenStore, location)).toBe(print)
      expect(await objectsOf(store)).toEqual(objects)

      // Any value of the column's kind; the ids go on past the deleted job's.
      const open = await repo.createGenerationJob(user.id, {
        session_id: session.id,
        prompt: 'a neon lighthouse',
        style: 'cyberpunk',
        shot_type: 'dolly zoom',
        camera_angle: 'through the keyhole',
        aspect_ratio: '5:4',
        generation_method: 'comfyui',
        reference_image_ids: [ref.id],
      })
      expect(open.id).toBeGreaterThan(deletedId)
      expect(await repo.getJob(user.id, open.id)).toMatchObject({
        style: 'cyberpunk',
        generation_method: 'comfyui',
      })
      // The rules the seed states hold.
      await expect(
        repo.createGenerationJob(user.id, { prompt: 'p', number_of_shots: 11 }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'number_of_shots' })
      const p = store.db.dialect.parameter
      await expect(
        store.db.query(
          `INSERT INTO generation_jobs (user_id, prompt, status) VALUES (${p(1)}, 'p', 'done')`,
          [user.id],
        ),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'status' })

      // Search triggers made again: old rows stay found, new ones are found. Search reads the
      // latest schema (on PostgreSQL the stored search column of the next migration; on SQLite
      // that step changes nothing, so the triggers found are the ones this step made again).
      await store.migrator.migrateTo()
      // The declarations describe the latest schema.
      const snapshot = await inspectSchema(store.db)
      const drift = Object.values(imageGenStore.tables).flatMap((t) =>
        checkDeclaration(
          t,
          snapshot.tables.find((s) => s.name === t.name),
        ),
      )
      expect(drift).toEqual([])
      const found = await repo.listJobs(user.id, {}, {}, { q: 'lighthouse' })
      expect(found.items.map((j) => j.id).sort((a, b) => a - b)).toEqual(
        [...jobs.map((j) => j.id), open.id].sort((a, b) => a - b),
      )

      // Foreign keys are enforced again, and cascade.
      await expect(
        store.db.query(
          `INSERT INTO generated_images (generation_job_id, user_id, gcp_bucket_path, gcp_url, file_name, file_size, mime_type, generation_index) VALUES (${p(1)}, ${p(2)}, 'b/x', 'u', 'x.jpg', 1, 'image/jpeg', 1)`,
          [987_654, user.id],
        ),
      ).rejects.toBeInstanceOf(ValidationError)
      await expect(
        store.db.query(
          `INSERT INTO generation_jobs (user_id, prompt) VALUES (${p(1)}, 'p')`,
          [987_654],
        ),
      ).rejects.toBeInstanceOf(ValidationError)
      expect(await countRows(store, 'generated_images')).toBe(2)
      await repo.deleteJob(user.id, jobs[0]!.id)
      expect(await countRows(store, 'generated_images')).toBe(0)
      await repo.deleteJob(user.id, jobs[1]!.id)
      expect(await countRows(store, 'job_attempts')).toBe(0)
      await store.db.query(`DELETE FROM sessions WHERE id = ${p(1)}`, [session.id])
      expect((await repo.getJob(user.id, open.id)).session_id).toBeNull()
      expect(await countRows(store, 'generation_job_reference_images')).toBe(2)
    } finally {
      await store.close()
    }
  })

  it('goes down only when every row holds a value of the old lists, naming those that do not', async () => {
    const location = ctx.freshLocation('open_values_down')
    const { store, repo, user } = await storeBeforeOpenValues(ctx.dir, location)
    try {
      await store.migrator.migrateTo(OPEN_VALUES)
      const neon = await repo.createGenerationJob(user.id, { prompt: 'p', style: 'cyberpunk' })
      const odd = await repo.createGenerationJob(user.id, {
        prompt: 'p',
        generation_method: 'comfyui',
      })
      const print = await storeFingerprint(imageGenStore, location)

      const refused = await store.migrator.migrateTo(OPEN_VALUES - 1).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ConflictError)
      const message = (refused as Error).message
      expect(message).toContain('generation_jobs')
      expect(message).toContain(`id ${neon.id} has style "cyberpunk"`)
      expect(message).toContain(`id ${odd.id} has generation_method "comfyui"`)
      expect(await store.migrator.currentVersion()).toBe(OPEN_VALUES)
      expect(await storeFingerprint(imageGenStore, location)).toBe(print)
      // Still open, foreign keys still on.
      await repo.createGenerationJob(user.id, { prompt: 'p', style: 'vaporwave' })
      const p = store.db.dialect.parameter
      await expect(
        store.db.query(
          `INSERT INTO generation_jobs (user_id, prompt) VALUES (${p(1)}, 'p')`,
          [987_654],
        ),
      ).rejects.toBeInstanceOf(ValidationError)

      await store.db.query(
        "UPDATE generation_jobs SET style = NULL, generation_method = 'custom' WHERE style NOT IN ('cinematic', 'anime', 'watercolor') OR generation_method = 'comfyui'",
      )
      const kept = await storeFingerprint(imageGenStore, location)
      expect(await store.migrator.migrateTo(OPEN_VALUES - 1)).toMatchObject({
        reverted: [OPEN_VALUES],
      })
      expect(await storeFingerprint(imageGenStore, location)).toBe(kept)
      await expect(
        store.db.query(
          `INSERT INTO generation_jobs (user_id, prompt, style) VALUES (${p(1)}, 'p', 'cyberpunk')`,
          [user.id],
        ),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'style' })
      await expect(
        store.db.query(
          `INSERT INTO generated_images (generation_job_id, user_id, gcp_bucket_path, gcp_url, file_name, file_size, mime_type, generation_index) VALUES (${p(1)}, ${p(2)}, 'b/y', 'u', 'y.jpg', 1, 'image/jpeg', 1)`,
          [987_654, user.id],
        ),
      ).rejects.toBeInstanceOf(ValidationError)
      // And up again.
      await store.migrator.migrateTo(OPEN_VALUES)
      expect(await storeFingerprint(imageGenStore, location)).toBe(kept)
      const again = await repo.createGenerationJob(user.id, { prompt: 'p', style: 'cyberpunk' })
      expect(again.style).toBe('cyberpunk')
    } finally {
      await store.close()
    }
  })
})
