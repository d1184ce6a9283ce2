import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { JobQueue, openStore, type OpenStore } from '../../src/core/index.js'
import {
  imageGenStore,
  openBlobStore,
  type ImageGenRepository,
} from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { CLI } from './run-cli.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))
/** The CLI bundled once for the run (test/global-setup.ts). */
const BUNDLE = CLI
/** Jobs the killed workers drain (GENMEDIA_TEST_WORKER_JOBS sets another number). */
const JOBS = Number(process.env.GENMEDIA_TEST_WORKER_JOBS ?? 2000)
const WORKERS = 4
/** SIGKILLs sent while they drain. */
const KILLS = Number(process.env.GENMEDIA_TEST_WORKER_KILLS ?? 8)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let jpegBase64 = ''

beforeAll(async () => {
  const jpeg = await sharp({ create: { width: 6, height: 4, channels: 3, background: '#c60' } })
    .jpeg()
    .toBuffer()
  jpegBase64 = jpeg.toString('base64')
})

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_')),
  )
  return { ...base, ...env, NODE_OPTIONS: '' }
}

/** startWorker runs `genmedia worker image-gen ARGS` from the bundle, its output collected. */
function startWorker(env: Record<string, string>, args: readonly string[]) {
  const child = spawn(process.execPath, [BUNDLE, 'worker', 'image-gen', ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => ({ stdout, stderr }) }
}

/** A handler that returns the job's images after a short random pause. */
function writeHandler(dir: string): string {
  const file = join(dir, 'handler.mjs')
  writeFileSync(
    file,
    `const jpeg = Buffer.from('${jpegBase64}', 'base64')
export default async function (job, ctx) {
  await new Promise((r) => setTimeout(r, Math.random() * 15))
  const images = []
  for (let i = 0; i < job.number_of_shots; i++) {
    images.push({ data: jpeg })
    ctx.progress(i + 1)
  }
  return { images }
}
`,
  )
  return file
}

async function addJobs(store: OpenStore<ImageGenRepository>, count: number, sessions = 10) {
  const user = await store.repo.createUser({ email: `u${Date.now()}@example.com` })
  const ids: number[] = []
  for (let s = 0; s < sessions; s++) {
    const session = await store.repo.createSession(user.id, { title: `session ${s}` })
    for (let i = s; i < count; i += sessions) {
      const job = await store.repo.createGenerationJob(user.id, {
        prompt: `job ${i}`,
        number_of_shots: 1 + (i % 3),
        session_id: session.id,
      })
      ids.push(job.id)
    }
  }
  return { user, ids }
}

describe.each(ENGINES.filter((e) => e.concurrent))('genmedia worker on $name', (engine) => {
  const ctx = useEngine(engine)

  const setUp = async (label: string) => {
    const dir = join(ctx.dir, label)
    mkdirSync(dir, { recursive: true })
    const location = ctx.freshLocation(label)
    const storage = `file://${join(dir, 'blobs')}`
    const env = { GENMEDIA_IMAGE_GEN_URL: location, GENMEDIA_STORAGE_URL: storage }
    const store = await openStore(imageGenStore, { location })
    return { dir, env, store, storage }
  }

  it(`${WORKERS} workers killed at random moments drain ${JOBS} jobs: every image stored once`, async () => {
    const { dir, env, store, storage } = await setUp('kill')
    const blobs = openBlobStore(storage)
    try {
      const { user, ids } = await addJobs(store, JOBS)
      const handler = writeHandler(dir)
      const args = ['--handler', handler, '--concurrency', '2', '--lease', '1']
      const workerArgs = [...args, '--backoff', '0', '--max-attempts', '50', '--json']
      const queue = new JobQueue(store.db, imageGenStore.jobs!.table)
      const workers = Array.from({ length: WORKERS }, () => startWorker(env, workerArgs))
      // KILLS SIGKILLs at random moments once the workers run, each worker started again at once.
      const deadline = Date.now() + 240_000
      while ((await queue.counts()).done === 0 && Date.now() < deadline) await sleep(100)
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(150 + Math.random() * 600)
        const slot = Math.floor(Math.random() * WORKERS)
        workers[slot]!.child.kill('SIGKILL')
        await workers[slot]!.exited
        workers[slot] = startWorker(env, workerArgs)
      }
      while ((await queue.counts()).done < JOBS && Date.now() < deadline) await sleep(200)
      for (const w of workers) w.child.kill('SIGTERM')
      const codes = await Promise.all(workers.map((w) => w.exited))
      expect(codes.every((c) => c === 0 || c === null)).toBe(true)
      // A last worker drains whatever a killed one held (its lease lapses within a second).
      const last = startWorker(env, [...workerArgs, '--drain'])
      expect(await last.exited).toBe(0)

      const counts = await queue.counts()
      expect(counts).toMatchObject({ done: JOBS, queued: 0, running: 0, retrying: 0, failed: 0 })
      const images = await store.db.query<{
        generation_job_id: number
        generation_index: number
        gcp_bucket_path: string
        session_id: number
      }>(
        'SELECT generation_job_id, generation_index, gcp_bucket_path, session_id FROM generated_images',
      )
      const shots = ids.reduce((sum, _id, i) => sum + 1 + (i % 3), 0)
      expect(images).toHaveLength(shots)
      const jobs = await store.db.query<{ id: number; number_of_shots: number; n: number }>(
        'SELECT j.id, j.number_of_shots, COUNT(g.id) AS n FROM generation_jobs j LEFT JOIN generated_images g ON g.generation_job_id = j.id GROUP BY j.id, j.number_of_shots',
      )
      expect(jobs.filter((j) => Number(j.n) !== j.number_of_shots)).toEqual([])
      const keys = (await blobs.list('generated/')).sort()
      const paths = images.map((i) => i.gcp_bucket_path.slice(blobs.bucket.length + 1)).sort()
      expect(keys).toEqual(paths)
      expect(new Set(paths).size).toBe(paths.length)
      // The seed's triggers kept every session's count and its thumbnail: the first image it got,
      // which is the seed's thumbnail query's (the first by created_at; ties by index, then id).
      const sessions = await store.repo.listSessions(user.id, { limit: 50 })
      for (const session of sessions.items) {
        const [first] = await store.db.query<{ gcp_url: string; n: number }>(
          `SELECT (SELECT gcp_url FROM generated_images WHERE session_id = ${session.id} ORDER BY created_at, generation_index, id LIMIT 1) AS gcp_url, (SELECT COUNT(*) FROM generated_images WHERE session_id = ${session.id}) AS n`,
        )
        expect(session.generated_count).toBe(Number(first!.n))
        expect(session.thumbnail_url).toBe(first!.gcp_url)
      }
    } finally {
      await blobs.close()
      await store.close()
    }
  }, 300_000)

  it('SIGTERM stops a worker once its running job has completed', async () => {
    const { dir, env, store } = await setUp('sigterm')
    try {
      const { user, ids } = await addJobs(store, 2, 1)
      const release = join(dir, 'release')
      const handler = join(dir, 'held.mjs')
      // The handler holds its job until the test has sent SIGTERM and says so with a file.
      writeFileSync(
        handler,
        `import { existsSync } from 'node:fs'
const jpeg = Buffer.from('${jpegBase64}', 'base64')
export default async function (job) {
  while (!existsSync('${release}')) await new Promise((r) => setTimeout(r, 20))
  return { images: Array.from({ length: job.number_of_shots }, () => ({ data: jpeg })) }
}
`,
      )
      const worker = startWorker(env, ['--handler', handler, '--json'])
      const events = () =>
        worker
          .output()
          .stdout.split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { event: string; job?: number; completed?: number })
      const deadline = Date.now() + 60_000
      while (!events().some((e) => e.event === 'claimed') && Date.now() < deadline) await sleep(20)
      expect(events().map((e) => e.event)).toEqual(['started', 'claimed'])
      worker.child.kill('SIGTERM')
      writeFileSync(release, '')
      expect(await worker.exited).toBe(0)
      expect(events().map((e) => e.event)).toEqual(['started', 'claimed', 'completed', 'stopped'])
      expect(events().at(-1)).toMatchObject({ completed: 1 })
      expect(await store.repo.getJob(user.id, ids[0]!)).toMatchObject({ status: 'completed' })
      // No claim after the signal: the other job still waits.
      expect(await store.repo.getJob(user.id, ids[1]!)).toMatchObject({
        status: 'pending',
        attempts: 0,
      })
    } finally {
      await store.close()
    }
  }, 120_000)

  it('a provider limit of 2 holds across 4 worker processes', async () => {
    const { dir, env, store } = await setUp('limit')
    try {
      await addJobs(store, 24, 2)
      await new JobQueue(store.db, imageGenStore.jobs!.table).setLimit({
        provider: 'images-api',
        max_running: 2,
        per_minute: null,
      })
      const running = join(dir, 'running')
      mkdirSync(running)
      const seen = join(dir, 'seen.log')
      const handler = join(dir, 'limited.mjs')
      writeFileSync(
        handler,
        `import { appendFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
const jpeg = Buffer.from('${jpegBase64}', 'base64')
export default async function (job) {
  const mine = '${running}/' + job.id
  writeFileSync(mine, '')
  appendFileSync('${seen}', readdirSync('${running}').length + '\\n')
  await new Promise((r) => setTimeout(r, 40))
  appendFileSync('${seen}', readdirSync('${running}').length + '\\n')
  rmSync(mine)
  return { images: Array.from({ length: job.number_of_shots }, () => ({ data: jpeg })) }
}
`,
      )
      const args = ['--handler', handler, '--provider', 'images-api', '--concurrency', '2']
      const workers = Array.from({ length: 4 }, () => startWorker(env, [...args, '--drain']))
      const codes = await Promise.all(workers.map((w) => w.exited))
      expect(codes).toEqual([0, 0, 0, 0])
      const observed = readFileSync(seen, 'utf8').trim().split('\n').map(Number)
      expect(observed).toHaveLength(48)
      expect(Math.max(...observed)).toBe(2)
    } finally {
      await store.close()
    }
  }, 120_000)

  it('runs the Python --command example and the HTTP example against a stand-in server', async () => {
    const { env, store } = await setUp('examples')
    const requests: { auth?: string; body: { prompt: string; n: number } }[] = []
    const server: Server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        requests.push({ auth: req.headers.authorization, body: JSON.parse(body) })
        if (requests.length === 1) {
          res.writeHead(429, { 'content-type': 'application/json' })
          res.end('{"error":{"message":"rate limited"}}')
          return
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ data: [{ b64_json: jpegBase64, revised_prompt: 'revised' }] }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { user, ids } = await addJobs(store, 2, 1)
      // Only the first job: the second is set aside, so the HTTP handler gets one of its own.
      await store.db.query(`UPDATE generation_jobs SET status = 'failed' WHERE id = ${ids[1]}`)
      const python = startWorker(env, [
        '--command',
        `python3 ${join(EXAMPLES, 'python_handler.py')}`,
        '--drain',
        '--json',
      ])
      expect(await python.exited).toBe(0)
      const events = python
        .output()
        .stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; done?: number })
      expect(events.filter((e) => e.event === 'progress').map((e) => e.done)).toEqual([1])
      expect(await store.repo.getJob(user.id, ids[0]!)).toMatchObject({
        status: 'completed',
        model_used: 'solid-colour',
        generation_method: 'custom',
      })

      const http = await store.repo.createGenerationJob(user.id, {
        prompt: 'a red kite',
        number_of_shots: 2,
        style: 'watercolor',
      })
      const { port } = server.address() as AddressInfo
      const worker = startWorker(
        {
          ...env,
          OPENAI_BASE_URL: `http://127.0.0.1:${port}`,
          OPENAI_API_KEY: 'test-key',
        },
        [
          '--handler',
          join(EXAMPLES, 'openai-images-handler.mjs'),
          '--drain',
          '--backoff',
          '0',
          '--json',
        ],
      )
      expect(await worker.exited).toBe(0)
      expect(worker.output().stdout).toMatch(/"event":"retry".*images API 429/)
      expect(requests.length).toBe(3)
      expect(requests[1]).toMatchObject({
        auth: 'Bearer test-key',
        body: { prompt: 'a red kite, watercolor style', n: 1 },
      })
      const job = await store.repo.getJob(user.id, http.id)
      expect(job).toMatchObject({ status: 'completed', attempts: 2, generation_method: 'openai' })
      const stored = await store.db.query<{ prompt_used: string }>(
        `SELECT prompt_used FROM generated_images WHERE generation_job_id = ${http.id}`,
      )
      expect(stored.map((r) => r.prompt_used)).toEqual(['revised', 'revised'])
    } finally {
      server.close()
      await store.close()
    }
  }, 120_000)
})
