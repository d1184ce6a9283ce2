import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, useEngine, type TestEngine } from '../engines.js'
import { CLI } from '../cli/run-cli.js'
import { pngBase64 } from './image-gen-world.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Served {
  child: ChildProcess
  url: string
}

/**
 * serve starts `genmedia serve --port 0` (the bundled CLI) as a child process with `env` (and no
 * GENMEDIA_* variable of the test's own) and resolves with its URL once it listens.
 */
function serve(env: Record<string, string>): Promise<Served> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('GENMEDIA_') && !/_DB_PATH$/.test(k)),
  )
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-log'],
    { cwd: ROOT, env: { ...base, ...env, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  return new Promise((resolve, reject) => {
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
      const match = /serving (http:\/\/[\d.:]+)/.exec(stderr)
      if (match) resolve({ child, url: match[1]! })
    })
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
}

function stop(served: Served | undefined): Promise<void> {
  if (!served || served.child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    served.child.once('exit', () => resolve())
    served.child.kill('SIGTERM')
  })
}

describe.each(ENGINES)('two servers on $name', (engine) => {
  // Two processes on one database need an engine whose connections really run side by side.
  describe.runIf(engine.concurrent)('one database', () => twoServers(engine))
})

function twoServers(engine: TestEngine): void {
  const ctx = useEngine(engine)
  let a: Served | undefined
  let b: Served | undefined

  beforeAll(async () => {
    const env = await ctx.freshEnv()
    // One data folder for both: the SQLite files (on sqlite) and the blobs (on both engines).
    const shared = { GENMEDIA_DATA_DIR: mkdtempSync(join(ctx.dir, 'shared-')), ...env }
    ;[a, b] = await Promise.all([serve(shared), serve(shared)])
  })
  afterAll(async () => {
    await Promise.all([stop(a), stop(b)])
  })

  /** request calls a server openly (loopback, no tokens) acting as image-gen user `user`. */
  const request = async (
    server: Served | undefined,
    method: string,
    path: string,
    options: { user?: number; body?: unknown } = {},
  ) => {
    const res = await fetch(`${server!.url}${path}`, {
      method,
      headers: {
        ...(options.user ? { 'x-genmedia-user': String(options.user) } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
    const text = await res.text()
    return { status: res.status, text, json: () => JSON.parse(text) }
  }

  it('each sees what the other wrote, blobs included', async () => {
    for (const server of [a, b]) {
      expect((await request(server, 'GET', '/api/health')).status).toBe(200)
    }
    const created = await request(a, 'POST', '/api/image-gen/users', {
      body: { email: `multi-${engine.name}@example.com` },
    })
    expect(created.status, created.text).toBe(201)
    const user = created.json().id as number
    expect((await request(b, 'GET', `/api/image-gen/users/${user}`)).json().id).toBe(user)

    const session = (
      await request(a, 'POST', '/api/image-gen/sessions', { user, body: { title: 'From A' } })
    ).json()
    const listed = (await request(b, 'GET', '/api/image-gen/sessions', { user })).json()
    expect(listed.items.map((s: { id: number }) => s.id)).toEqual([session.id])
    const renamed = await request(b, 'PATCH', `/api/image-gen/sessions/${session.id}`, {
      user,
      body: { title: 'Renamed by B' },
    })
    expect(renamed.status, renamed.text).toBe(200)
    const seen = (await request(a, 'GET', `/api/image-gen/sessions/${session.id}`, { user })).json()
    expect(seen.title).toBe('Renamed by B')

    const content = await pngBase64(24, 16)
    const upload = await request(b, 'POST', '/api/image-gen/reference-images', {
      user,
      body: { file_name: 'from-b.png', content_base64: content, session_id: session.id },
    })
    expect(upload.status, upload.text).toBe(201)
    const blob = await fetch(`${a!.url}${upload.json().gcp_url}`)
    expect(blob.status).toBe(200)
    expect(blob.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(content, 'base64'))).toBe(true)
  })

  it('gives two workers claiming through the two servers different jobs', async () => {
    const user = (
      await request(a, 'POST', '/api/image-gen/users', {
        body: { email: `workers-${engine.name}@example.com` },
      })
    ).json().id as number
    const made: number[] = []
    for (let i = 0; i < 16; i++) {
      const res = await request(i % 2 ? a : b, 'POST', '/api/image-gen/jobs', {
        user,
        body: { prompt: `shot ${i}` },
      })
      expect(res.status, res.text).toBe(201)
      made.push(res.json().id)
    }
    const drain = async (server: Served | undefined) => {
      const ids: number[] = []
      for (;;) {
        const res = await request(server, 'POST', '/api/image-gen/worker/claim')
        expect(res.status, res.text).toBe(200)
        const { job } = res.json()
        if (!job) return ids
        expect(job.status).toBe('processing')
        ids.push(job.id)
      }
    }
    const [viaA, viaB] = await Promise.all([drain(a), drain(b)])
    expect(viaA.filter((id) => viaB.includes(id))).toEqual([])
    expect([...viaA, ...viaB].sort((x, y) => x - y)).toEqual(made)
  })
}
