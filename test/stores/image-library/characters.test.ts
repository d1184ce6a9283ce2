import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { inspectSchema, openStore, type OpenStore } from '../../../src/index.js'
import {
  imageLibraryStore,
  type ImageLibraryRepository,
} from '../../../src/stores/image-library/index.js'
import { ENGINES, useEngine } from '../../engines.js'

/** The statements docs/stores/image-library.md gives a deployment for `engine`, as written. */
function documentedStatements(engine: 'sqlite' | 'postgres'): string {
  const doc = readFileSync(
    new URL('../../../docs/stores/image-library.md', import.meta.url),
    'utf8',
  )
  const block = new RegExp(`<!-- other-characters:${engine} -->\\s*\`\`\`sql\\n([\\s\\S]*?)\`\`\``)
  const found = block.exec(doc)
  if (!found) throw new Error(`docs/stores/image-library.md has no ${engine} statements`)
  return found[1]!
}

/** Runs a script of statements as a deployment would: in one session, outside genmedia. */
async function runScript(store: OpenStore, script: string): Promise<void> {
  const handle = store.db.sqliteHandle
  if (handle) {
    handle.exec(script)
    return
  }
  const client = await store.db.pgPool!.connect()
  try {
    await client.query(`SET search_path TO "${store.db.schema}"`)
    await client.query(script)
  } finally {
    client.release()
  }
}

/** Everything of the store's schema but the CHECK text: what the statements must keep. */
async function shapeOf(store: OpenStore) {
  const schema = await inspectSchema(store.db)
  return {
    tables: schema.tables,
    indexes: schema.indexes,
    triggers: schema.triggers,
    views: schema.views,
  }
}

describe.each(ENGINES)('image-library characters on $name', (engine) => {
  const ctx = useEngine(engine)

  it('refuses a character the CHECK does not allow, naming the field; the documented statements extend it', async () => {
    const store = await openStore(imageLibraryStore, {
      location: ctx.freshLocation('characters'),
    })
    const repo: ImageLibraryRepository = store.repo
    try {
      await imageLibraryStore.seedSampleData(repo, store.db)
      const bob = { character: 'bob', emotion: 'happy', pose: 'waving', file_path: 'bob/1.png' }
      await expect(repo.addImage(bob)).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'character',
        message: expect.stringContaining('character'),
      })
      await expect(repo.addImages([bob])).rejects.toMatchObject({ field: 'character' })
      await expect(repo.createCollection({ name: 'bobs', character: 'bob' })).rejects.toMatchObject(
        { field: 'character' },
      )
      const butcher = await repo.addImage({
        character: 'butcher',
        emotion: 'sad',
        pose: 'sitting',
        file_path: 'butcher/extra.png',
      })
      const before = await shapeOf(store)
      const rows = await store.db.query('SELECT * FROM image_library ORDER BY id')

      await runScript(store, documentedStatements(engine.name))

      expect(await shapeOf(store)).toEqual(before)
      expect(await store.db.query('SELECT * FROM image_library ORDER BY id')).toEqual(rows)
      const added = await repo.addImage(bob)
      expect(added).toMatchObject({ character: 'bob', usage_count: 0 })
      const collection = await repo.createCollection({ name: 'bobs', character: 'bob' })
      await repo.addToCollection(collection.id, added.id)
      await expect(repo.addToCollection(collection.id, butcher.id)).rejects.toMatchObject({
        field: 'image_id',
      })
      await expect(
        repo.addImage({ ...bob, character: 'carol', file_path: 'carol/1.png' }),
      ).rejects.toMatchObject({ name: 'ValidationError', field: 'character' })
      // Triggers, summaries, search and foreign keys work for the new character.
      await repo.recordUsage({ image_id: added.id, video_id: 'v1', scene_number: 1 })
      expect((await repo.getImage(added.id)).usage_count).toBe(1)
      expect(await repo.countImagesByCharacter()).toContainEqual(
        expect.objectContaining({ character: 'bob', emotion: 'happy', images: 1, uses: 1 }),
      )
      expect((await repo.findImages({ character: 'bob' })).items.map((i) => i.id)).toEqual([
        added.id,
      ])
      await repo.deleteImage(added.id)
      expect(await repo.listCollectionImages(collection.id)).toEqual([])
    } finally {
      await store.close()
    }
  })
})
