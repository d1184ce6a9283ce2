import type { Command } from 'commander'
import { ConfigError, Database, openStore, resolveStoreLocation } from '../../core/index.js'
import { isLoopback } from '../../server/auth.js'
import { accessStore } from '../../stores/access/index.js'
import { CliError, run } from '../output.js'

export interface ServeFlags {
  host: string
  port: string
  log?: boolean
}

/**
 * refuseUnguardedHost fails, before any store is opened (and, where missing, created), when
 * `host` is not loopback and no API token exists: the server would refuse it anyway, and a
 * refused command leaves the data as it was. It reads the access store without changing it.
 */
export async function refuseUnguardedHost(host: string): Promise<void> {
  if (isLoopback(host)) return
  const { location } = resolveStoreLocation(accessStore)
  let tokens = false
  if (await Database.exists(location, accessStore.schema)) {
    const access = await openStore(accessStore, { location, readOnly: true })
    try {
      tokens = await access.repo.hasActiveTokens()
    } finally {
      await access.close()
    }
  }
  if (!tokens) {
    throw new ConfigError(
      `refusing to serve on ${host} without API tokens: create one with \`genmedia token create --admin\`, or bind 127.0.0.1`,
    )
  }
}

/** serveFromFlags starts the server for `serve` and `start` and keeps it running. */
export async function serveFromFlags(flags: ServeFlags): Promise<void> {
  const port = Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`--port must be a port number, got ${flags.port}`, 2)
  }
  await refuseUnguardedHost(flags.host)
  // The server (fastify, its plugins, the routes of every store) is loaded only by the
  // commands that serve: the others start in half the time without it.
  const { closeOnSignals, startServer } = await import('../../server/serve.js')
  const server = await startServer({ host: flags.host, port, log: flags.log })
  closeOnSignals(server)
  process.stderr.write(
    server.open
      ? `genmedia: serving ${server.url} openly (no API tokens, loopback only); create one with \`genmedia token create\` to require tokens\n`
      : `genmedia: serving ${server.url}; API tokens required\n`,
  )
  process.stderr.write(`genmedia: API docs at ${server.url}/api/docs\n`)
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve every store over HTTP (JSON API, OpenAPI at /api/openapi.json)')
    .option(
      '--host <address>',
      'address to bind; anything but loopback needs API tokens',
      '127.0.0.1',
    )
    .option('--port <port>', 'port to listen on', '8080')
    .option('--no-log', 'do not log each request')
    .action(run(async (flags: ServeFlags) => serveFromFlags(flags)))
}
