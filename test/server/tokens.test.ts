import { afterEach, describe, expect, it } from 'vitest'
import { openStore, resolveStoreLocation, seedStore, type OpenStore } from '../../src/core/index.js'
import { accessStore } from '../../src/stores/access/index.js'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import { trendsStore } from '../../src/stores/trends/index.js'
import { runCli } from '../cli/run-cli.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer } from './harness.js'

describe.each(ENGINES)('token revocation and creation on $name', (engine) => {
  const ctx = useEngine(engine)
  const open: OpenStore[] = []
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close()
  })

  it('a token revoked through another connection (another process) is refused at once', async () => {
    const server = await startTestServer(ctx, [trendsStore])
    try {
      const { token, record } = await server.access.createToken({ admin: true })
      const get = () =>
        server.app.inject({
          url: '/api/trends/topics?limit=1',
          headers: { authorization: `Bearer ${token}` },
        })
      expect((await get()).statusCode).toBe(200)
      // What `genmedia token revoke` does: its own connection to the access store.
      const location = server.stores.at(-1)!.db.location
      const other = await openStore(accessStore, { location })
      open.push(other)
      await other.repo.revokeToken(record.id)
      const refused = await get()
      expect(refused.statusCode).toBe(401)
      expect(refused.json().error.message).toMatch(/invalid or revoked/)
    } finally {
      await server.close()
    }
  })

  it('an admin token acts as the image-gen user X-Genmedia-User names; a user token cannot', async () => {
    const server = await startTestServer(ctx, [imageGenStore], { seed: true })
    try {
      const admin = await server.access.createToken({ admin: true })
      const user = await server.access.createToken({ user_id: 2 })
      const me = (token: string, as?: string) =>
        server.app.inject({
          url: '/api/image-gen/me',
          headers: {
            authorization: `Bearer ${token}`,
            ...(as === undefined ? {} : { 'x-genmedia-user': as }),
          },
        })
      expect((await me(admin.token)).statusCode).toBe(403)
      expect((await me(admin.token, '1')).json()).toMatchObject({ id: 1 })
      expect((await me(user.token, '1')).json()).toMatchObject({ id: 2 })
    } finally {
      await server.close()
    }
  })

  it('token create --user refuses a user image-gen does not have', async () => {
    const env = await ctx.freshEnv()
    const { location } = resolveStoreLocation(imageGenStore, env)
    const imageGen = await openStore(imageGenStore, { location })
    open.push(imageGen)
    await seedStore(imageGen)
    const refused = await runCli(['token', 'create', '--user', '999', '--json'], { env })
    expect(refused.code).toBe(2)
    expect(refused.json().error.message).toMatch(/image-gen has no user 999/)
    const created = await runCli(['token', 'create', '--user', '1', '--json'], { env })
    expect(created.code).toBe(0)
    expect(created.json().record).toMatchObject({ user_id: 1 })
  })
})
