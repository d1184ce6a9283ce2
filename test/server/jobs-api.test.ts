import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobQueue, type OpenStore } from '../../src/core/index.js'
import { imageGenStore, type ImageGenRepository } from '../../src/stores/image-gen/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

describe.each(ENGINES)('the job queue over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let store: OpenStore<ImageGenRepository>
  let admin: string

  beforeAll(async () => {
    server = await startTestServer(ctx, [imageGenStore])
    store = server.store(imageGenStore)
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  const call = async (method: 'GET' | 'POST', path: string) => {
    const res = await server.app.inject({
      method,
      url: `/api/image-gen${path}`,
      headers: { authorization: `Bearer ${admin}` },
    })
    return { status: res.statusCode, body: res.json() as Record<string, any> }
  }

  it('counts, progress, cancel and retry', async () => {
    const user = await store.repo.createUser({ email: 'queue@example.com' })
    const jobs = []
    for (let i = 0; i < 3; i++) {
      jobs.push(
        await store.repo.createGenerationJob(user.id, { prompt: `p${i}`, number_of_shots: 4 }),
      )
    }
    const queue = new JobQueue(store.db, imageGenStore.jobs!.table)
    const lease = (await queue.claim({ worker: 'w1', leaseSeconds: 60 }))!
    await queue.heartbeat(lease, 60, 3)

    expect((await call('GET', '/queue')).body).toMatchObject({ queued: 2, running: 1, done: 0 })
    const running = await call('GET', '/queue/running')
    expect(running.body).toEqual([
      expect.objectContaining({
        id: lease.id,
        state: 'running',
        progress: 3,
        total: 4,
        lease_owner: 'w1',
      }),
    ])

    expect(await call('POST', `/queue/${jobs[1]!.id}/cancel`)).toEqual({
      status: 200,
      body: { id: jobs[1]!.id, state: 'cancelled' },
    })
    expect((await call('POST', `/queue/${lease.id}/cancel`)).body.state).toBe('cancelling')
    expect((await queue.heartbeat(lease, 60)).cancelled).toBe(true)
    await queue.cancelled(lease)
    expect((await call('POST', `/queue/${lease.id}/cancel`)).status).toBe(409)

    const failed = await call('GET', '/queue/failed')
    expect(failed.body.map((j: { id: number; state: string }) => [j.id, j.state])).toEqual([
      [jobs[1]!.id, 'cancelled'],
      [lease.id, 'cancelled'],
    ])
    expect((await call('GET', `/queue/${lease.id}`)).body.job_attempts).toEqual([
      expect.objectContaining({ attempt: 1, worker: 'w1', outcome: 'cancelled' }),
    ])
    expect((await call('POST', `/queue/${lease.id}/retry`)).body).toEqual({ retried: 1 })
    expect((await call('POST', '/queue/retry-failed')).body).toEqual({ retried: 1 })
    expect((await call('GET', '/queue')).body).toMatchObject({ queued: 3, cancelled: 0 })
    expect((await call('GET', '/queue/999999')).status).toBe(404)
  })

  it('is in the OpenAPI document', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/openapi.json' })
    const paths = Object.keys(res.json().paths)
    expect(paths).toEqual(
      expect.arrayContaining(['/api/image-gen/queue', '/api/image-gen/queue/{id}/cancel']),
    )
  })
})
