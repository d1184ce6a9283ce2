import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openStore } from '../../../src/core/index.js'
import { archiveStore } from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const WORKER = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url))
const OPERATIONS = 12
const MAX_RUNS = 6

interface Run {
  lines: string[]
  killed: boolean
  stderr: string
}

/**
 * runWorker lets the worker take one step per line it prints. After `killAfter` lines it lets it
 * take one more and kills it with SIGKILL (no chance to clean up, like a power cut) a random
 * 0–15 ms later: mid-transaction or just after. Without killAfter it runs to its end.
 */
function runWorker(location: string, sessionId: string, killAfter?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WORKER, location, sessionId, String(OPERATIONS)],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['pipe', 'pipe', 'pipe'] },
    )
    const lines: string[] = []
    let buffer = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const parts = buffer.split('\n')
      buffer = parts.pop()!
      for (const line of parts) {
        lines.push(line)
        if (killed) continue
        child.stdin.write('go\n')
        if (killAfter !== undefined && lines.length >= killAfter) {
          killed = true
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 16))
        }
      }
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    // The killed worker's stdin closes under the last write; that is expected.
    child.stdin.on('error', () => undefined)
    child.on('error', reject)
    child.on('close', () => resolve({ lines, killed, stderr }))
  })
}

describe.each(ENGINES)('archive crash and resume on $name', (engine) => {
  const ctx = useEngine(engine)

  it('after SIGKILL at random points the resumable session and its completed operations match the log', async () => {
    const location = ctx.freshLocation('crash')
    const sessionId = 'crash-session'
    const plan = Array.from(
      { length: OPERATIONS },
      (_, i) => `op-${String(i + 1).padStart(2, '0')}`,
    )
    const reported = new Set<string>()
    let kills = 0
    for (let run = 0; run < MAX_RUNS; run++) {
      const last = run === MAX_RUNS - 1
      // Each run prints `resume N` and then up to three lines per operation; kill somewhere in
      // the first part of that, so that several runs are needed and each resumes the last. At
      // most 8 lines is at most 3 operations a run: the first four runs cannot finish the 12,
      // so at least 3 are killed (with 11 lines, three runs could finish and the count missed).
      const killAfter = last ? undefined : 2 + Math.floor(Math.random() * 7)
      const result = await runWorker(location, sessionId, killAfter)
      expect(result.stderr).toBe('')
      for (const line of result.lines) {
        if (line.startsWith('done ')) reported.add(line.slice(5))
      }
      const finished = result.lines.includes('finished')
      if (result.killed && !finished) kills++

      const store = await openStore(archiveStore, { location })
      try {
        const log = await store.db.query<{ operation_name: string; status: string }>(
          `SELECT operation_name, status FROM operation_log WHERE session_id = ${store.db.dialect.parameter(1)} ORDER BY sequence_number`,
          [sessionId],
        )
        const completedInLog = log
          .filter((e) => e.status === 'completed')
          .map((e) => e.operation_name)
        // Each operation completed at most once, in plan order, and everything the worker
        // reported done is there: a committed step survives the kill.
        expect(new Set(completedInLog).size).toBe(completedInLog.length)
        expect(completedInLog).toEqual(plan.slice(0, completedInLog.length))
        for (const name of reported) expect(completedInLog).toContain(name)
        // Only the step running at the kill may be left unfinished.
        expect(log.filter((e) => e.status === 'processing').length).toBeLessThanOrEqual(1)

        const session = await store.repo.getSession(sessionId)
        expect(session.completed_operations).toBe(completedInLog.length)
        if (finished) {
          expect(session.status).toBe('completed')
          expect(completedInLog).toEqual(plan)
          expect(await store.repo.getResumableSession()).toBeUndefined()
          break
        }
        const resumable = await store.repo.getResumableSession()
        expect(resumable!.session.session_id).toBe(sessionId)
        expect(resumable!.completed.map((e) => e.operation_name)).toEqual(completedInLog)
        expect(resumable!.completed_operations_verified).toBe(completedInLog.length)
        expect(resumable!.remaining!.map((o) => o.operation_name)).toEqual(
          plan.slice(completedInLog.length),
        )
      } finally {
        await store.close()
      }
      expect(last, 'the last run finishes the session').toBe(false)
    }
    expect(kills).toBeGreaterThanOrEqual(3)
  })
})
