import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import {
  imageGenStore,
  LocalBlobStore,
  renderSampleImage,
  type GenerationJob,
  type ImageGenGeneratedImage,
  type ImageGenSession,
  type ImageGenUser,
  type ReferenceImage,
} from '../../src/stores/image-gen/index.js'
import type { EngineContext } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

export const API = '/api/image-gen'

/** startImageGenServer starts a test server with the image-gen store (and the access store). */
export function startImageGenServer(ctx: EngineContext): Promise<TestServer> {
  return startTestServer(ctx, [imageGenStore])
}

/** A request as the route tables describe it. */
export interface Req {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  url: string
  payload?: unknown
  headers?: Record<string, string>
}

/** call sends `req` with `token` (none when null) and returns the response. */
export function call(
  app: FastifyInstance,
  token: string | null,
  req: Req,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: req.method,
    url: req.url,
    ...(req.payload === undefined ? {} : { payload: req.payload as object }),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...req.headers },
  })
}

/** expectStatus checks a status, showing the body when it differs. */
export function expectStatus(res: LightMyRequestResponse, status: number, label = ''): void {
  expect(res.statusCode, `${label} ${res.body}`).toBe(status)
}

/** A small real PNG, base64-encoded as the API takes files. */
export async function pngBase64(width = 32, height = 24): Promise<string> {
  const png = await renderSampleImage({ width, height }, [200, 30, 30], [30, 30, 200], {
    format: 'png',
  })
  return png.toString('base64')
}

/**
 * World is one user's corner of the store, made through the API: a session holding a reference
 * image, a processing job (with that reference and one generated image, room for two more) and
 * a pending job.
 */
export interface World {
  user: ImageGenUser
  token: string
  session: ImageGenSession
  ref: ReferenceImage
  job: GenerationJob
  image: ImageGenGeneratedImage
  pending: GenerationJob
}

let worlds = 0

/** makeWorld creates a user (with `admin`), their token and their corner of the store. */
export async function makeWorld(server: TestServer, admin: string): Promise<World> {
  const app = server.app
  const ok = async <T>(token: string, req: Req, status = 200): Promise<T> => {
    const res = await call(app, token, req)
    expectStatus(res, status, `${req.method} ${req.url}`)
    return res.json() as T
  }
  const n = ++worlds
  const user = await ok<ImageGenUser>(
    admin,
    { method: 'POST', url: `${API}/users`, payload: { email: `user${n}@example.com` } },
    201,
  )
  const { token } = await server.access.createToken({ user_id: user.id, name: `user ${n}` })
  const session = await ok<ImageGenSession>(
    token,
    { method: 'POST', url: `${API}/sessions`, payload: { title: `Storyboard ${n}` } },
    201,
  )
  const ref = await ok<ReferenceImage>(
    token,
    {
      method: 'POST',
      url: `${API}/reference-images`,
      payload: { file_name: 'ref.png', content_base64: await pngBase64(), session_id: session.id },
    },
    201,
  )
  const job = await ok<GenerationJob>(
    token,
    {
      method: 'POST',
      url: `${API}/jobs`,
      payload: {
        session_id: session.id,
        prompt: `a lighthouse ${n}`,
        number_of_shots: 3,
        reference_image_ids: [ref.id],
      },
    },
    201,
  )
  await ok(token, { method: 'POST', url: `${API}/jobs/${job.id}/start` })
  const [image] = await ok<ImageGenGeneratedImage[]>(
    token,
    {
      method: 'POST',
      url: `${API}/jobs/${job.id}/images`,
      payload: { images: [{ content_base64: await pngBase64(40, 30) }] },
    },
    201,
  )
  const pending = await ok<GenerationJob>(
    token,
    { method: 'POST', url: `${API}/jobs`, payload: { session_id: session.id, prompt: 'later' } },
    201,
  )
  return {
    user,
    token,
    session,
    ref,
    job: { ...job, status: 'processing' },
    image: image!,
    pending,
  }
}

/** The blob URL path of a row's object (`/blobs/<key>`). */
export function blobPath(row: { gcp_url: string }): string {
  return new URL(row.gcp_url, 'http://localhost').pathname
}

/** The key of a row's object. */
export function blobKey(row: { gcp_url: string }): string {
  return LocalBlobStore.keyFromUrlPath(blobPath(row))
}

const TABLES = [
  'users',
  'sessions',
  'reference_images',
  'generation_jobs',
  'generated_images',
  'generation_job_reference_images',
]

/** snapshot reads every image-gen table in full and the list of stored objects. */
export async function snapshot(server: TestServer): Promise<Record<string, unknown>> {
  const store = server.store(imageGenStore)
  const out: Record<string, unknown> = {}
  for (const table of TABLES) {
    out[table] = await store.db.query(`SELECT * FROM ${table} ORDER BY id`)
  }
  out.blobs = await store.repo.blobs.list('')
  return out
}
