import type { FastifyInstance } from 'fastify'
import { openStore, seedStore, type OpenStore, type StoreDefinition } from '../../src/core/index.js'
import { buildApp } from '../../src/server/app.js'
import { accessStore, type AccessRepository } from '../../src/stores/access/index.js'
import type { EngineContext } from '../engines.js'

export interface TestServer {
  app: FastifyInstance
  stores: OpenStore[]
  access: AccessRepository
  store<R>(definition: StoreDefinition<R>): OpenStore<R>
  close(): Promise<void>
}

/**
 * startTestServer opens the given stores (plus the access store) at fresh locations of the
 * engine, optionally with sample data, and builds the API bound to `host` (not listening:
 * tests use inject). Every response is checked against its route's schema (validateResponses),
 * so the tests prove the documented shapes.
 */
export async function startTestServer(
  ctx: EngineContext,
  definitions: readonly StoreDefinition[],
  options: { seed?: boolean; host?: string } = {},
): Promise<TestServer> {
  const stores: OpenStore[] = []
  for (const definition of [...definitions.filter((d) => d.name !== 'access'), accessStore]) {
    const store = await openStore(definition, {
      location: await ctx.isolatedLocation(definition.name),
    })
    if (options.seed) await seedStore(store)
    stores.push(store)
  }
  const app = await buildApp({
    stores,
    host: options.host ?? '127.0.0.1',
    validateResponses: true,
  })
  return {
    app,
    stores,
    access: stores.at(-1)!.repo as AccessRepository,
    store: <R>(definition: StoreDefinition<R>) =>
      stores.find((s) => s.definition.name === definition.name) as OpenStore<R>,
    async close() {
      await app.close()
      for (const store of stores) await store.close()
    },
  }
}
