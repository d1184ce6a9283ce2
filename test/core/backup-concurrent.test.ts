import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { backupStore, restoreStore } from '../../src/core/backup/index.js'
import { openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { folderTarget, seededStore } from './backup-helpers.js'

const WRITER = fileURLToPath(new URL('./backup-writer.fixture.ts', import.meta.url))

/** A running writer process and the highest row number it reported committed. */
function startWriter(location: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WRITER, location], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  })
  let committed = 0
  let stderr = ''
  const waiters: { n: number; resolve: () => void }[] = []
  let buffer = ''
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString()
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) committed = Math.max(committed, Number(line))
    for (const w of waiters.filter((w) => committed >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    get committed() {
      return committed
    },
    /** Resolves once at least `n` rows are committed; rejects if the writer dies first. */
    waitFor(n: number): Promise<void> {
      if (committed >= n) return Promise.resolve()
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ n, resolve })),
        exited.then(() => {
          throw new Error(`writer exited after ${committed} rows: ${stderr}`)
        }),
      ])
    },
    async stop(): Promise<void> {
      child.kill('SIGKILL')
      await exited
    },
  }
}

describe.each(ENGINES)('backup while another process writes, on $name', (engine) => {
  const ctx = useEngine(engine)

  // Needs real concurrency (and pg_dump, which reaches only a real PostgreSQL server).
  it.runIf(engine.concurrent)(
    'restores to a consistent database holding every row committed before the backup began',
    async () => {
      const location = ctx.freshLocation('concurrent')
      await seededStore(location)
      const writer = startWriter(location)
      try {
        await writer.waitFor(50)
        const committedBefore = writer.committed
        const target = folderTarget(ctx.dir)
        const { manifest } = await backupStore(aiArtistStore, { location, target })
        // The writer was not blocked: it kept committing during and after the backup.
        await writer.waitFor(committedBefore + 20)
        await writer.stop()
        const writtenInTotal = writer.committed

        await restoreStore(
          aiArtistStore,
          { target, file: manifest.file },
          { location, restorePointDir: join(ctx.dir, 'restore-points') },
        )
        const store = await openStore(aiArtistStore, { location, readOnly: true })
        try {
          if (store.db.engine === 'sqlite') {
            const [check] = await store.db.query<{ integrity_check: string }>(
              'PRAGMA integrity_check',
            )
            expect(check!.integrity_check).toBe('ok')
          }
          const rows = await store.db.query<{ filename: string }>(
            "SELECT filename FROM generated_images WHERE model_id = 'writer'",
          )
          const numbers = rows.map((r) => Number(r.filename.slice(1, -4))).sort((a, b) => a - b)
          // Rows 1..k with no gap: a prefix of the writer's commits, as of one moment.
          expect(numbers).toEqual(numbers.map((_, i) => i + 1))
          expect(numbers.length).toBeGreaterThanOrEqual(committedBefore)
          expect(numbers.length).toBeLessThan(writtenInTotal + 1)
          const [{ n }] = (await store.db.query<{ n: number }>(
            'SELECT COUNT(*) AS n FROM generated_images',
          )) as [{ n: number }]
          expect(Number(n)).toBe(manifest.rowCounts.generated_images)
        } finally {
          await store.close()
          await target.close()
        }
      } finally {
        await writer.stop()
      }
    },
  )
})
