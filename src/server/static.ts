import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fastifyStatic from '@fastify/static'

/**
 * The places the built dashboard may be: beside the compiled server (`dist/server/static.js`
 * → `dist/web`), or, running from source (`src/server/static.ts`), in the repository's
 * `dist/web`, where `npm run build` puts it.
 */
const CANDIDATES = [
  new URL('../web/', import.meta.url),
  new URL('../../dist/web/', import.meta.url),
]

/** findWebRoot returns the folder of the built dashboard (with its index.html), or undefined. */
export function findWebRoot(): string | undefined {
  for (const url of CANDIDATES) {
    const dir = fileURLToPath(url)
    if (existsSync(`${dir}index.html`)) return dir
  }
  return undefined
}

/**
 * registerDashboard serves the built dashboard at `/`: its files as they are (hashed assets
 * cached for a year, index.html revalidated every time) and index.html for every other GET
 * outside `/api`, so that a shared link such as `/ai-artist?status=curated` opens the right
 * page. `root` null means no build: the API still works, and `/` says how to build the dashboard.
 */
export async function registerDashboard(
  app: FastifyInstance,
  root: string | null = findWebRoot() ?? null,
): Promise<void> {
  if (!root) {
    app.get('/*', async (request, reply) => {
      if (isApiPath(request.url)) return apiNotFound(request.method, request.url, reply)
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>genmedia</title>' +
            '<h1>genmedia: the dashboard is not built</h1>' +
            '<p>The HTTP API is running: see <a href="/api/docs">/api/docs</a>. ' +
            'To serve the dashboard here, run <code>npm run build</code> (it writes ' +
            '<code>dist/web</code>) and restart the server.</p>',
        )
    })
    return
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Files are listed once at start; every other path reaches the fallback below.
    wildcard: false,
    index: false,
    // setHeaders decides caching, for files and for the index sent by the fallback alike.
    cacheControl: false,
    setHeaders(res, path) {
      res.setHeader(
        'cache-control',
        /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', root)
  app.get('/', async (_request, reply) => sendIndex(reply))
  app.get('/*', async (request, reply) => {
    if (isApiPath(request.url)) return apiNotFound(request.method, request.url, reply)
    // A missing asset is a 404, not the page: a stale cached index must not get HTML for a script.
    if (/^\/assets\//.test(request.url)) return reply.code(404).send('not found')
    return sendIndex(reply)
  })
}

function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')
}

function apiNotFound(method: string, url: string, reply: FastifyReply) {
  return reply
    .code(404)
    .send({ error: { code: 'not_found', message: `no route ${method} ${url}` } })
}
