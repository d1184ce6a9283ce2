import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openBlobStore } from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

describe.each(ENGINES)('genmedia image-gen sweep-blobs on $name', (engine) => {
  const ctx = useEngine(engine)

  it('refuses a missing store and a bad --older-than; dry-runs, then removes an orphan', async () => {
    const storage = `file://${mkdtempSync(join(ctx.dir, 'sweep-blobs-'))}`
    const env = { ...(await ctx.freshEnv()), GENMEDIA_STORAGE_URL: storage }
    const missing = await runCli(['image-gen', 'sweep-blobs'], { env })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/image-gen store does not exist.*genmedia init image-gen/)

    expect((await runCli(['init', 'image-gen'], { env })).code).toBe(0)
    const bad = await runCli(['image-gen', 'sweep-blobs', '--older-than', 'soon'], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--older-than must be a number of hours/)

    const blobs = openBlobStore(storage)
    try {
      await blobs.put('generated/4/1_1700000000000.jpg', Buffer.from('jpeg'), 'image/jpeg')
      const young = await runCli(['image-gen', 'sweep-blobs', '--json'], { env })
      expect(young.code).toBe(0)
      expect(young.json()).toMatchObject({ store: 'image-gen', young: 1, removed: [] })

      const dry = await runCli(['image-gen', 'sweep-blobs', '--older-than', '0', '--dry-run'], {
        env,
      })
      expect(dry.code).toBe(0)
      expect(dry.stdout).toMatch(/would remove generated\/4\/1_1700000000000\.jpg/)
      expect(await blobs.list()).toHaveLength(1)

      const done = await runCli(['image-gen', 'sweep-blobs', '--older-than', '0'], { env })
      expect(done.code).toBe(0)
      expect(done.stdout).toMatch(/removed 1 unreferenced object\(s\), 4 bytes/)
      expect(await blobs.list()).toEqual([])
    } finally {
      await blobs.close()
    }
  })
})
