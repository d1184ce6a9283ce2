import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { encodeCursor, openStore, type OpenStore } from '../src/core/index.js'
import { openSqliteFile } from '../src/core/engines/sqlite/connection.js'
import { buildApp } from '../src/server/app.js'
import { accessStore } from '../src/stores/access/index.js'
import { aiArtistStore } from '../src/stores/ai-artist/index.js'
import type { BenchContext } from './lib/context.js'
import { newFigure, type Figure } from './lib/report.js'
import {
  formatNumber,
  formatRatio,
  interleavedRounds,
  median,
  progress,
  ratioSpread,
} from './lib/stats.js'
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

/**
 * bareRow is the least a route must do to a raw `generated_images` row to answer with the same
 * JSON as genmedia: parse its JSON columns, make its flag a boolean and its timestamps ISO-8601
 * (SQLite's `YYYY-MM-DD HH:MM:SS[.fff]` text, UTC).
 */
function bareRow(row: Record<string, unknown>): Record<string, unknown> {
  const iso = (v: unknown) =>
    typeof v === 'string' ? `${v.replace(' ', 'T')}${v.length === 19 ? '.000' : ''}Z` : v
  return {
    ...row,
    generation_params:
      typeof row.generation_params === 'string'
        ? JSON.parse(row.generation_params)
        : row.generation_params,
    tags: typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags,
    is_featured: row.is_featured === null ? null : Boolean(row.is_featured),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  }
}

/**
 * bareServer answers the same two routes with a bare Fastify app on raw better-sqlite3: the list
 * page reads the same 51 rows genmedia's does (50 and one to know whether there is a next page)
 * with one prepared statement, decodes them by hand and serialises them; the get reads one row.
 * The same work as genmedia's routes without the layer (auth, input validation, repository).
 */
async function bareServer(file: string): Promise<{ app: FastifyInstance; close: () => void }> {
  const db = openSqliteFile(file)
  const page = db.prepare(
    'SELECT * FROM generated_images ORDER BY created_at DESC, id DESC LIMIT ?',
  )
  const byId = db.prepare('SELECT * FROM generated_images WHERE id = ?')
  const app = Fastify({ logger: false })
  app.get<{ Querystring: { limit?: string } }>('/api/ai-artist/images', async (request) => {
    const limit = Number(request.query.limit ?? 50)
    const found = page.all(limit + 1) as Record<string, unknown>[]
    const items = found.slice(0, limit)
    const last = items[items.length - 1]
    // The cursor holds the sort key as stored, as genmedia's does.
    const next = found.length > limit && last ? encodeCursor([last.created_at, last.id]) : null
    return { items: items.map(bareRow), next }
  })
  app.get<{ Params: { id: string } }>('/api/ai-artist/images/:id', async (request, reply) => {
    const row = byId.get(Number(request.params.id)) as Record<string, unknown> | undefined
    if (!row) return reply.code(404).send({ error: 'not found' })
    return bareRow(row)
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, close: () => db.close() }
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
 * ai-artist store at scale, against a bare Fastify app reading the same rows with raw
 * better-sqlite3.
 */
export async function apiFigure(ctx: BenchContext): Promise<Figure> {
  const figure = newFigure(
    '6',
    'HTTP API (SQLite)',
    `\`genmedia serve\`'s app (\`buildApp\`: auth, zod validation, repository, JSON) on the ` +
      `ai-artist store at ${formatNumber(ctx.sizes.scaleRows)} images: \`GET ` +
      `/api/ai-artist/images?limit=50\` (newest page of 50) and \`GET /api/ai-artist/images/:id\`, ` +
      `against a bare Fastify app answering the same routes with the same JSON from raw ` +
      `better-sqlite3 (the same 51 rows read by one prepared statement, decoded by hand, ` +
      `serialised by Fastify). Load: autocannon in ` +
      `another process on loopback, ${CONNECTIONS} connections, ${ctx.sizes.apiSeconds} s after ` +
      `a 1 s warm-up, ${ctx.sizes.ratioRounds} interleaved rounds per route (genmedia and the ` +
      `bare app once each a round, the order rotated): the median, and each round's ratio, ` +
      `its median and its worst; the goal holds for the worst (the server shares the machine's ` +
      `two cores with the load generator).`,
  )
  const file = await scaledSqliteFile(aiArtistStore, ctx.sizes.scaleRows)
  const stores: OpenStore[] = [
    await openStore(aiArtistStore, { location: file }),
    await openStore(accessStore, { location: join(ctx.workDir, 'access.db') }),
  ]
  const app = await buildApp({ stores, host: '127.0.0.1', logger: false })
  let bare: FastifyInstance | undefined
  let closeBare = () => undefined as void
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = address(app)
    const list = await (await fetch(`${base}/api/ai-artist/images?limit=50`)).json()
    const id = (list as { items: { id: number }[] }).items[0]!.id
    const one = await (await fetch(`${base}/api/ai-artist/images/${id}`)).json()
    const bareOne = await bareServer(file)
    bare = bareOne.app
    closeBare = bareOne.close
    // The baseline must answer what genmedia answers, or the ratio compares different work.
    for (const [path, body] of [
      [`/api/ai-artist/images?limit=50`, list],
      [`/api/ai-artist/images/${id}`, one],
    ] as const) {
      const same = await (await fetch(`${address(bare)}${path}`)).json()
      if (!isDeepStrictEqual(same, body)) {
        throw new Error(`bare route ${path} answers differently`)
      }
    }
    const routes: [string, string][] = [
      ['list page of 50', '/api/ai-artist/images?limit=50'],
      ['get by id', `/api/ai-artist/images/${id}`],
    ]
    const rounds = ctx.sizes.ratioRounds
    const rows: string[][] = []
    const spreads = new Map<string, { median: number; worst: number }>()
    for (const [what, path] of routes) {
      // Interleaved rounds, as figures 1 and 2: a load the machine carries for a while weighs
      // on both sides of a round's ratio alike.
      const results = await interleavedRounds<LoadResult>(
        rounds,
        [
          ['genmedia', () => load(`${base}${path}`, ctx.sizes.apiSeconds)],
          ['bare', () => load(`${address(bare!)}${path}`, ctx.sizes.apiSeconds)],
        ] as const,
        (round) =>
          progress(
            `api: ${what}, round ${round + 1} of ${rounds}, ${ctx.sizes.apiSeconds} s each side`,
          ),
      )
      const g = results.genmedia!
      const b = results.bare!
      const rate = (r: LoadResult) => r.requestsPerSecond
      const spread = ratioSpread(g.map(rate), b.map(rate), 'higher')
      spreads.set(what, spread)
      for (const [name, runs] of [
        [`genmedia: ${what}`, g],
        [`bare Fastify: ${what}`, b],
      ] as const) {
        const own = name.startsWith('genmedia') ? spread : { median: 1, worst: 1 }
        rows.push([
          name,
          formatNumber(median(runs.map(rate))),
          formatRatio(own.median),
          formatRatio(own.worst),
          latency(median(runs.map((r) => r.p50))),
          latency(median(runs.map((r) => r.p99))),
          String(runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0)),
        ])
      }
    }
    figure.tables.push({
      head: [
        'what',
        'requests/s',
        'vs bare',
        `vs bare, worst of ${rounds}`,
        'p50 ms',
        'p99 ms',
        'errors',
      ],
      rows,
    })
    const listPage = spreads.get('list page of 50')!
    figure.goals.push({
      text: `genmedia ≥ 0.7 × the bare route on the list page of 50, in the worst of ${rounds} rounds`,
      met: listPage.worst >= 0.7,
      detail: `worst ${formatRatio(listPage.worst)}, median ${formatRatio(listPage.median)}`,
    })
  } finally {
    await bare?.close()
    closeBare()
    await app.close()
    for (const store of stores) await store.close()
  }
  return figure
}
