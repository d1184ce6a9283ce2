import { createRequire } from 'node:module'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openStore, prepareMarked, prepareQuery, type OpenStore } from '../../src/core/index.js'
import { aiArtistStore, type AiArtistRepository } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'

describe.each(ENGINES)('prepareQuery on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<AiArtistRepository> | undefined
  let location = ''

  afterEach(async () => {
    await store?.close()
    store = undefined
  })

  const open = async () => {
    location = ctx.freshLocation('prepared')
    store = await openStore(aiArtistStore, { location })
    await store.repo.addImages([
      { filename: 'a.png', prompt: 'a', model_id: 'm', status: 'curated' },
      { filename: 'b.png', prompt: 'b', model_id: 'm' },
      { filename: 'c.png', prompt: 'c', model_id: 'n', status: 'curated' },
    ])
    return store
  }

  const imageIds = async (repo: AiArtistRepository) =>
    Promise.all(['a.png', 'b.png', 'c.png'].map(async (f) => (await repo.getImageByFilename(f)).id))

  it('runs one compiled shape with new parameters each time', async () => {
    const { db } = await open()
    const byModel = prepareQuery(db, (k) =>
      k
        .selectFrom('generated_images')
        .select('filename')
        .where('model_id', '=', '')
        .where('status', '=', '')
        .orderBy('id'),
    )
    expect(await byModel.execute(['m', 'curated'])).toEqual([{ filename: 'a.png' }])
    expect(await byModel.execute(['n', 'curated'])).toEqual([{ filename: 'c.png' }])
    expect(await byModel.takeFirst(['m', 'pending'])).toEqual({ filename: 'b.png' })
    expect(await byModel.takeFirst(['x', 'pending'])).toBeUndefined()
    expect(byModel.sql).toMatch(/generated_images/)
  })

  it('passes the first row through a map in the same step, which may refuse it', async () => {
    const { db } = await open()
    const byName = prepareQuery(db, (k) =>
      k.selectFrom('generated_images').select('prompt').where('filename', '=', ''),
    )
    const upper = (row: { prompt: string } | undefined) => {
      if (!row) throw new Error('no such image')
      return row.prompt.toUpperCase()
    }
    expect(await byName.takeFirst(['a.png'], upper)).toBe('A')
    await expect(byName.takeFirst(['z.png'], upper)).rejects.toThrow('no such image')
    // Through Kysely (captureQueries) the map applies alike.
    const { result } = await db.captureQueries(() => byName.takeFirst(['c.png'], upper))
    expect(result).toBe('C')
  })

  it('is seen by captureQueries, with its parameters', async () => {
    const { db, repo } = await open()
    const { queries } = await db.captureQueries(() => repo.getImage(2))
    expect(queries).toHaveLength(1)
    expect(queries[0]!.parameters).toEqual([2])
  })

  it('waits for an open transaction instead of reading inside it', async () => {
    const { db, repo } = await open()
    const id = (await repo.getImageByFilename('b.png')).id
    let reading: Promise<unknown> | undefined
    await db
      .transaction(async (trx) => {
        await trx
          .updateTable('generated_images')
          .set({ prompt: 'changed' })
          .where('id', '=', id)
          .execute()
        reading = repo.getImage(id)
        // Rolled back: a read that joined this transaction would have seen 'changed'.
        throw new Error('roll back')
      })
      .catch(() => undefined)
    expect(await reading).toMatchObject({ prompt: 'b' })
  })

  it('fills a marked statement with each run’s values, the built ones kept', async () => {
    const { db } = await open()
    const rename = prepareMarked(db, (k, marker) =>
      k
        .updateTable('generated_images')
        .set({ prompt: marker('prompt'), model_id: 'renamed' })
        .where('filename', '=', marker('filename'))
        .returning(['filename', 'prompt', 'model_id']),
    )
    const values = { prompt: 'first', filename: 'a.png' }
    const valueOf = (name: string) => values[name as keyof typeof values]
    expect(await rename.takeFirst(valueOf)).toEqual({
      filename: 'a.png',
      prompt: 'first',
      model_id: 'renamed',
    })
    Object.assign(values, { prompt: 'second', filename: 'c.png' })
    // The same statement in a transaction, on its executor.
    const row = await db.transaction(
      async (trx) => (await trx.executeQuery(rename.compiled(valueOf))).rows[0],
    )
    expect(row).toEqual({ filename: 'c.png', prompt: 'second', model_id: 'renamed' })
    Object.assign(values, { filename: 'none.png' })
    expect(await rename.takeFirst(valueOf)).toBeUndefined()
  })

  /**
   * Reads `ids` through `repo` `times` times side by side (so that several of the pool's
   * connections run the read) and holds every round to what a newly opened store reads.
   */
  const expectReadsOfFreshStore = async (
    repo: AiArtistRepository,
    ids: number[],
    times: number,
  ) => {
    const rounds = await Promise.all(
      Array.from({ length: times }, () => Promise.all(ids.map((id) => repo.getImage(id)))),
    )
    const fresh = await openStore(aiArtistStore, { location })
    try {
      const expected = await Promise.all(ids.map((id) => fresh.repo.getImage(id)))
      for (const round of rounds) expect(round).toEqual(expected)
    } finally {
      await fresh.close()
    }
  }

  it('reads the same rows on every connection, run after run, as a newly opened store does', async () => {
    const { repo } = await open()
    await expectReadsOfFreshStore(repo, await imageIds(repo), 6)
  })

  it('reads the new columns after the table changes under a prepared read', async () => {
    const { db, repo } = await open()
    const ids = await imageIds(repo)
    const before = await Promise.all([...ids, ...ids].map((id) => repo.getImage(id)))
    expect(before[0]).not.toHaveProperty('note')
    await db.query("ALTER TABLE generated_images ADD COLUMN note TEXT DEFAULT 'hello'")
    await expectReadsOfFreshStore(repo, ids, 3)
    expect(await repo.getImage(ids[0]!)).toMatchObject({ note: 'hello', filename: 'a.png' })
    await db.query('ALTER TABLE generated_images DROP COLUMN note')
    await expectReadsOfFreshStore(repo, ids, 3)
    expect(await repo.getImage(ids[0]!)).not.toHaveProperty('note')
  })

  it.runIf(engine.name === 'postgres')(
    'asks PostgreSQL to describe a read only on its first run on a connection',
    async () => {
      const { repo } = await open()
      const [id] = await imageIds(repo)
      await repo.getImage(id!)
      // pg reads every RowDescription into a Result's fields (pg/lib/result.js).
      const Result = createRequire(import.meta.url)('pg/lib/result.js') as {
        prototype: { addFields(fields: unknown[]): void }
      }
      const described = vi.spyOn(Result.prototype, 'addFields')
      try {
        for (let i = 0; i < 5; i++) expect((await repo.getImage(id!)).filename).toBe('a.png')
        expect(described).not.toHaveBeenCalled()
      } finally {
        described.mockRestore()
      }
    },
  )
})
