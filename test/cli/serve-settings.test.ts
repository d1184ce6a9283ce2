import { describe, expect, it } from 'vitest'
import { ENGINES, useEngine } from '../engines.js'
import { runCli } from './run-cli.js'

// The settings are checked before any store opens: one engine is enough.
describe('serve checks its settings', () => {
  const ctx = useEngine(ENGINES[0]!)

  it('stops at once, in one line, on a GENMEDIA_STORAGE_URL it cannot use', async () => {
    const env = { ...(await ctx.freshEnv()), GENMEDIA_STORAGE_URL: 'ftp://blobs.example' }
    const served = await runCli(['serve', '--port', '0', '--no-log'], { env })
    expect(served.code).not.toBe(0)
    const lines = served.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/GENMEDIA_STORAGE_URL must be file:\/\/.* got ftp:\/\/blobs\.example/)
  })
})
