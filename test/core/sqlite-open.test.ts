import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../src/core/index.js'
import { aiArtistStore } from '../../src/stores/ai-artist/index.js'

/**
 * A writer killed in the middle of a transaction on a rollback-journal database (as a restored
 * file is until its next writable open, or a pipeline's own database) leaves a hot journal that
 * SQLite must roll back before anyone reads: a read-only connection cannot, and failed with
 * "attempt to write a readonly database".
 */
describe('a SQLite store a writer was killed in', () => {
  it('opens read-only with the rows of the last commit, the unfinished write rolled back', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'genmedia-open-')), 'ai_artist.db')
    const store = await openStore(aiArtistStore, { location: file })
    await store.repo.addImage({ filename: 'kept.png', prompt: 'kept', model_id: 'sdxl' })
    await store.close()
    const handle = new BetterSqlite3(file)
    handle.pragma('journal_mode = DELETE')
    handle.close()

    await killedMidWrite(file)
    expect(existsSync(`${file}-journal`)).toBe(true)

    const reader = await openStore(aiArtistStore, { location: file, readOnly: true })
    try {
      const rows = await reader.db.query<{ filename: string }>(
        'SELECT filename FROM generated_images',
      )
      expect(rows).toEqual([{ filename: 'kept.png' }])
    } finally {
      await reader.close()
    }
    expect(existsSync(`${file}-journal`)).toBe(false)
  })
})

/**
 * killedMidWrite starts a process that writes more rows than its one-page cache holds (so that
 * the journal and the file are both written before any commit) and SIGKILLs it there.
 */
function killedMidWrite(file: string): Promise<void> {
  const script = `
    const Database = require('better-sqlite3')
    const db = new Database(${JSON.stringify(file)})
    db.pragma('cache_size = 1')
    db.exec('BEGIN')
    const insert = db.prepare("INSERT INTO generated_images (filename, prompt, model_id) VALUES (?, ?, 'sdxl')")
    for (let i = 0; i < 500; i++) insert.run('lost-' + i + '.png', 'x'.repeat(2000))
    process.stdout.write('written\\n')
    setInterval(() => {}, 1000)
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    child.stdout.on('data', () => child.kill('SIGKILL'))
    child.on('error', reject)
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error('the writer ended on its own')),
    )
  })
}
