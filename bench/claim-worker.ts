/**
 * One claiming process of figure 4: opens a store, says `ready`, waits for `go` on stdin, then
 * claims jobs until none is left and prints one JSON line: the ids it got, the busy errors and
 * other errors it met. Run by bench/claims.ts:
 *
 *   node --import tsx bench/claim-worker.ts <store> <location> <worker name>
 */
import { createInterface } from 'node:readline'
import { openStore } from '../src/core/index.js'
import { imageGenStore } from '../src/stores/image-gen/index.js'
import { videoBatchStore } from '../src/stores/video-batch/index.js'

const [storeName, location, worker] = process.argv.slice(2)
if (!storeName || !location || !worker) throw new Error('usage: <store> <location> <worker>')

const MAX_ERRORS = 1_000

async function main(): Promise<void> {
  const def = storeName === 'image-gen' ? imageGenStore : videoBatchStore
  const store = await openStore<any>(def, { location, poolSize: 2, migrate: false })
  const claim = async (): Promise<{ id: number } | undefined> =>
    storeName === 'image-gen' ? store.repo.claimNextJob() : store.repo.claimNextVideo(worker!)
  const lines = createInterface({ input: process.stdin })
  process.stdout.write('ready\n')
  await new Promise<void>((resolve) => lines.once('line', () => resolve()))
  const ids: number[] = []
  let busy = 0
  let errors = 0
  let firstError: string | undefined
  for (;;) {
    try {
      const job = await claim()
      if (!job) break
      ids.push(job.id)
    } catch (error) {
      const e = error as { code?: string; message?: string }
      if (/BUSY|LOCKED/i.test(e.code ?? '') || /busy|locked/i.test(e.message ?? '')) busy++
      else errors++
      firstError ??= `${e.code ?? ''} ${e.message ?? String(error)}`.trim()
      if (busy + errors >= MAX_ERRORS) break
    }
  }
  process.stdout.write(`${JSON.stringify({ ids, busy, errors, firstError })}\n`)
  lines.close()
  await store.close()
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
