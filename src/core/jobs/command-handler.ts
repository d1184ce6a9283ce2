import { spawn } from 'node:child_process'
import type { JobContext, JobHandler } from './runner.js'

/** The last lines of a command's stderr kept for the error of a failed attempt. */
const STDERR_TAIL = 5

/**
 * commandHandler runs `command` (through the shell) once per job, for handlers in any
 * language: the job goes to its stdin as JSON, its stdout is the result as JSON, a non-zero exit
 * fails the attempt (with the end of its stderr as the error). Its stderr goes to the worker's
 * log line by line; a line `progress N` reports N units done. The job's id and attempt are in
 * GENMEDIA_JOB_ID and GENMEDIA_JOB_ATTEMPT. A cancelled or lost job's command gets SIGTERM.
 */
export function commandHandler(command: string): JobHandler {
  return (job: Record<string, unknown>, ctx: JobContext) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, {
        shell: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          GENMEDIA_JOB_ID: String(job.id),
          GENMEDIA_JOB_ATTEMPT: String(ctx.attempt),
        },
      })
      const stdout: Buffer[] = []
      const tail: string[] = []
      let partial = ''
      const onLine = (line: string) => {
        const progress = /^progress\s+(\d+)\s*$/.exec(line)
        if (progress) return ctx.progress(Number(progress[1]))
        if (line.trim() === '') return
        tail.push(line)
        if (tail.length > STDERR_TAIL) tail.shift()
        ctx.log(line)
      }
      child.stdout.on('data', (d: Buffer) => stdout.push(d))
      child.stderr.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n')
        partial = lines.pop() ?? ''
        lines.forEach(onLine)
      })
      const abort = () => child.kill('SIGTERM')
      ctx.signal.addEventListener('abort', abort, { once: true })
      child.on('error', (error) => reject(new Error(`command ${command}: ${error.message}`)))
      child.stdin.on('error', () => {}) // a command that does not read its stdin
      child.stdin.end(JSON.stringify(job))
      child.on('close', (code, signal) => {
        ctx.signal.removeEventListener('abort', abort)
        if (partial) onLine(partial)
        if (code !== 0) {
          const why = signal ? `was killed by ${signal}` : `exited with code ${code}`
          reject(new Error(`command ${why}${tail.length ? `: ${tail.join(' | ')}` : ''}`))
          return
        }
        const text = Buffer.concat(stdout).toString().trim()
        try {
          resolve(text === '' ? {} : JSON.parse(text))
        } catch {
          reject(new Error(`command printed no JSON result on stdout: ${text.slice(0, 200)}`))
        }
      })
    })
}
