import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { openStore, type OpenStore } from '../src/core/index.js'
import { buildApp } from '../src/server/app.js'
import { accessStore } from '../src/stores/access/index.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import { formatNumber, formatRatio, progress } from './lib/stats.js'
import { scaledSqliteFile } from './scale-data.js'

const CONNECTIONS = 10

interface LoadResult {
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

/** load runs autocannon against `url` in a child process for `seconds` (after a 1 s warm-up). */
async function load(url: string, seconds: number): Promise<LoadResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
  const args = [bin, '-j', '-c', String(CONNECTIONS), '-d', String(seconds)]
  args.push('--warmup', '[', '-c', String(CONNECTIONS), '-d', '1', ']', url)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${err.slice(0, 500)}`)
  // With --warmup autocannon prints the warm-up's result first: the measured run is the last line.
  const last =
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop() ?? ''
  const r = JSON.parse(last) as {
    requests: { average: number }
    latency: { p50: number; p99: number }
    errors: number
    non2xx: number
  }
  return {
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  }
}

/** bareServer serves the same two JSON bodies from memory: the floor of any Fastify route. */
async function bareServer(list: unknown, one: unknown): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/api/ai-artist/images', async () => list)
  app.get('/api/ai-artist/images/:id', async () => one)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}

/** autocannon reports latency in whole milliseconds. */
function latency(ms: number): string {
  return ms < 1 ? '< 1' : String(Math.round(ms))
}

function address(app: FastifyInstance): string {
  const a = app.server.address()
  if (!a || typeof a === 'string') throw new Error('server has no port')
  return `http://127.0.0.1:${a.port}`
}

/**
 * Figure 6: requests per second of `genmedia serve`'s list page of 50 and get by id, on the
 * ai-artist store at scale, against a bare Fastify route returning the same JSON from memory.
 */
export async function apiFigure(ctx: BenchContext): Promise<Figure> {
  const figure = newFigure(
    '6',
    'HTTP API (SQLite)',
    `\`genmedia serve\`'s app (\`buildApp\`: auth, zod validation, repository, JSON) on the ` +
      `ai-artist store at ${formatNumber(ctx.sizes.scaleRows)} images: \`GET ` +
      `/api/ai-artist/images?limit=50\` (newest page of 50) and \`GET /api/ai-artist/images/:id\`, ` +
      `against a bare Fastify route returning the same JSON from memory. Load: autocannon in ` +
      `another process on loopback, ${CONNECTIONS} connections, ${ctx.sizes.apiSeconds} s after ` +
      `a 1 s warm-up, one run per route (the server shares the machine's two cores with the ` +
      `load generator).`,
  )
  const file = await scaledSqliteFile(aiArtistStore, ctx.sizes.scaleRows)
  const stores: OpenStore[] = [
    await openStore(aiArtistStore, { location: file }),
    await openStore(accessStore, { location: join(ctx.workDir, 'access.db') }),
  ]
  const app = await buildApp({ stores, host: '127.0.0.1', logger: false })
  let bare: FastifyInstance | undefined
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = address(app)
    const list = await (await fetch(`${base}/api/ai-artist/images?limit=50`)).json()
    const id = (list as { items: { id: number }[] }).items[0]!.id
    const one = await (await fetch(`${base}/api/ai-artist/images/${id}`)).json()
    bare = await bareServer(list, one)
    const routes: [string, string][] = [
      ['list page of 50', '/api/ai-artist/images?limit=50'],
      ['get by id', `/api/ai-artist/images/${id}`],
    ]
    const rows: string[][] = []
    for (const [what, path] of routes) {
      progress(`api: ${what}, genmedia then bare Fastify, ${ctx.sizes.apiSeconds} s each`)
      const g = await load(`${base}${path}`, ctx.sizes.apiSeconds)
      const b = await load(`${address(bare)}${path}`, ctx.sizes.apiSeconds)
      for (const [name, r] of [
        [`genmedia: ${what}`, g],
        [`bare Fastify: ${what}`, b],
      ] as const) {
        rows.push([
          name,
          formatNumber(r.requestsPerSecond),
          formatRatio(r.requestsPerSecond / b.requestsPerSecond),
          latency(r.p50),
          latency(r.p99),
          String(r.errors + r.non2xx),
        ])
      }
    }
    figure.tables.push({
      head: ['what', 'requests/s', 'vs bare', 'p50 ms', 'p99 ms', 'errors'],
      rows,
    })
  } finally {
    await bare?.close()
    await app.close()
    for (const store of stores) await store.close()
  }
  return figure
}
