import { expect } from 'vitest'
import { imageGenStore } from '../../src/stores/image-gen/index.js'
import type { TestServer } from './harness.js'
import { API, blobKey, blobPath, pngBase64, type Req, type World } from './image-gen-world.js'

/**
 * The image-gen route table of the HTTP tests: for every route a successful request (on a fresh
 * World), bad input with the field the 400 must name, and a request for something missing (404).
 */
export const GONE = 987_654

/** One route's cases: a success, bad input naming a field, and a missing id (404). */
export interface RouteCase {
  ok(w: World): Promise<Req> | Req
  status?: number
  check?(body: any, w: World, server: TestServer): Promise<void> | void
  bad: ((w: World) => Req & { field: string }) | 'no input'
  missing: ((w: World) => Promise<Req> | (Req & { token?: string })) | 'no id'
}

let created = 0
const get = (url: string): Req => ({ method: 'GET', url: `${API}${url}` })
export const post = (url: string, payload?: unknown): Req => ({
  method: 'POST',
  url: `${API}${url}`,
  payload,
})
const del = (url: string): Req => ({ method: 'DELETE', url: `${API}${url}` })

/** The job routes a user and a worker both have, under their own prefixes. */
function jobActionCases(prefix: (w: World, id?: number) => string): Record<string, RouteCase> {
  return {
    'generated-prompt': {
      ok: (w) => post(`${prefix(w)}/generated-prompt`, { generated_prompt: 'a lighthouse, 35mm' }),
      check: (body) => expect(body.generated_prompt).toBe('a lighthouse, 35mm'),
      bad: (w) => ({
        ...post(`${prefix(w)}/generated-prompt`, { generated_prompt: '' }),
        field: 'generated_prompt',
      }),
      missing: (w) => post(`${prefix(w, GONE)}/generated-prompt`, { generated_prompt: 'x' }),
    },
    images: {
      ok: async (w) =>
        post(`${prefix(w)}/images`, { images: [{ content_base64: await pngBase64() }] }),
      status: 201,
      check: async (body, w, server) => {
        expect(body).toMatchObject([{ generation_index: 2, mime_type: 'image/jpeg', width: 32 }])
        const session = await server.store(imageGenStore).repo.getSession(w.user.id, w.session.id)
        expect(session.generated_count).toBe(2)
      },
      bad: (w) => ({
        ...post(`${prefix(w)}/images`, { images: [{ content_base64: 'aGVsbG8=' }] }),
        field: 'images.0.content_base64',
      }),
      missing: (w) => post(`${prefix(w, GONE)}/images`, { images: [{ content_base64: 'aGk=' }] }),
    },
    complete: {
      ok: (w) => post(`${prefix(w)}/complete`, { model_used: 'imagen-3' }),
      check: (body) => expect(body).toMatchObject({ status: 'completed', model_used: 'imagen-3' }),
      bad: (w) => ({ ...post(`${prefix(w)}/complete`, { model_used: 5 }), field: 'model_used' }),
      missing: (w) => post(`${prefix(w, GONE)}/complete`),
    },
    fail: {
      ok: (w) => post(`${prefix(w)}/fail`, { error_message: 'quota exceeded' }),
      check: (body) =>
        expect(body).toMatchObject({ status: 'failed', error_message: 'quota exceeded' }),
      bad: (w) => ({ ...post(`${prefix(w)}/fail`, {}), field: 'error_message' }),
      missing: (w) => post(`${prefix(w, GONE)}/fail`, { error_message: 'x' }),
    },
  }
}

const userJob = jobActionCases((w, id) => `/jobs/${id ?? w.job.id}`)
const workerJob = jobActionCases((w, id) => `/worker/users/${w.user.id}/jobs/${id ?? w.job.id}`)

export const CASES: Record<string, RouteCase> = {
  'POST /users': {
    ok: () => post('/users', { email: `new${++created}@example.com`, display_name: 'New' }),
    status: 201,
    check: (body) => expect(body).toMatchObject({ display_name: 'New' }),
    bad: () => ({ ...post('/users', { email: 'not-an-email' }), field: 'email' }),
    missing: 'no id',
  },
  'GET /users': {
    ok: () => get('/users?limit=500'),
    check: (body, w) => {
      expect(body.items).toContainEqual(w.user)
      const ids = body.items.map((u: { id: number }) => u.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
    },
    bad: () => ({ ...get('/users?limit=0'), field: 'limit' }),
    missing: 'no id',
  },
  'GET /users/:id': {
    ok: (w) => get(`/users/${w.user.id}`),
    check: (body, w) => expect(body).toEqual(w.user),
    bad: () => ({ ...get('/users/abc'), field: 'id' }),
    missing: () => get(`/users/${GONE}`),
  },
  'GET /users/by-email/:email': {
    ok: (w) => get(`/users/by-email/${encodeURIComponent(w.user.email)}`),
    check: (body, w) => expect(body.id).toBe(w.user.id),
    bad: () => ({ ...get('/users/by-email/not-an-email'), field: 'email' }),
    missing: () => get('/users/by-email/nobody%40example.com'),
  },
  'DELETE /users/:id': {
    ok: (w) => del(`/users/${w.user.id}`),
    status: 204,
    check: async (_body, w, server) => {
      const repo = server.store(imageGenStore).repo
      await expect(repo.getUser(w.user.id)).rejects.toThrow(/does not exist/)
      expect(await repo.blobs.exists(blobKey(w.ref))).toBe(false)
    },
    bad: () => ({ ...del('/users/0'), field: 'id' }),
    missing: () => del(`/users/${GONE}`),
  },
  'GET /me': {
    ok: () => get('/me'),
    check: (body, w) => expect(body).toEqual(w.user),
    bad: 'no input',
    missing: () => ({ ...get('/me'), token: 'unknown-user' }),
  },
  'GET /sessions': {
    ok: () => get('/sessions?limit=10'),
    check: (body, w) => {
      expect(body.items).toEqual([
        {
          ...w.session,
          generated_count: 1,
          thumbnail_url: w.image.gcp_url,
          updated_at: expect.any(String),
        },
      ])
      expect(body.next).toBeNull()
    },
    bad: () => ({ ...get('/sessions?limit=0'), field: 'limit' }),
    missing: 'no id',
  },
  'POST /sessions': {
    ok: () => post('/sessions', { title: 'Second' }),
    status: 201,
    check: (body, w) =>
      expect(body).toMatchObject({ title: 'Second', user_id: w.user.id, generated_count: 0 }),
    bad: () => ({ ...post('/sessions', { title: '' }), field: 'title' }),
    missing: 'no id',
  },
  'GET /sessions/:id': {
    ok: (w) => get(`/sessions/${w.session.id}`),
    check: (body, w) =>
      expect(body).toMatchObject({
        id: w.session.id,
        generated_count: 1,
        thumbnail_url: w.image.gcp_url,
      }),
    bad: () => ({ ...get('/sessions/abc'), field: 'id' }),
    missing: () => get(`/sessions/${GONE}`),
  },
  'PATCH /sessions/:id': {
    ok: (w) => ({
      method: 'PATCH',
      url: `${API}/sessions/${w.session.id}`,
      payload: { title: 'Renamed' },
    }),
    check: (body) => expect(body.title).toBe('Renamed'),
    bad: (w) => ({
      method: 'PATCH',
      url: `${API}/sessions/${w.session.id}`,
      payload: { title: 5 },
      field: 'title',
    }),
    missing: () => ({ method: 'PATCH', url: `${API}/sessions/${GONE}`, payload: { title: 'x' } }),
  },
  'DELETE /sessions/:id': {
    ok: (w) => del(`/sessions/${w.session.id}`),
    status: 204,
    check: async (_body, w, server) => {
      const job = await server.store(imageGenStore).repo.getJob(w.user.id, w.job.id)
      expect(job.session_id).toBeNull()
    },
    bad: () => ({ ...del('/sessions/-1'), field: 'id' }),
    missing: () => del(`/sessions/${GONE}`),
  },
  'GET /sessions/:id/images': {
    ok: (w) => get(`/sessions/${w.session.id}/images`),
    check: (body, w) => expect(body).toEqual([w.image]),
    bad: () => ({ ...get('/sessions/1.5/images'), field: 'id' }),
    missing: () => get(`/sessions/${GONE}/images`),
  },
  'GET /reference-images': {
    ok: () => get('/reference-images'),
    check: (body, w) => expect(body.items).toEqual([w.ref]),
    bad: () => ({ ...get('/reference-images?after=not-a-cursor'), field: 'after' }),
    missing: 'no id',
  },
  'POST /reference-images': {
    ok: async () =>
      post('/reference-images', {
        file_name: '../../etc/cat.png',
        content_base64: await pngBase64(20, 10),
      }),
    status: 201,
    check: async (body, w, server) => {
      expect(body).toMatchObject({
        width: 20,
        height: 10,
        mime_type: 'image/png',
        file_name: '../../etc/cat.png',
      })
      expect(blobKey(body)).toMatch(new RegExp(`^uploads/${w.user.id}/\\d+_.*cat\\.png$`))
      expect(await server.store(imageGenStore).repo.blobs.exists(blobKey(body))).toBe(true)
    },
    bad: () => ({
      ...post('/reference-images', { file_name: 'x.png', content_base64: 'aGVsbG8=' }),
      field: 'content_base64',
    }),
    missing: async () =>
      post('/reference-images', {
        file_name: 'x.png',
        content_base64: await pngBase64(),
        session_id: GONE,
      }),
  },
  'GET /reference-images/:id': {
    ok: (w) => get(`/reference-images/${w.ref.id}`),
    check: (body, w) => expect(body).toEqual(w.ref),
    bad: () => ({ ...get('/reference-images/x'), field: 'id' }),
    missing: () => get(`/reference-images/${GONE}`),
  },
  'GET /reference-images/:id/url': {
    ok: (w) => get(`/reference-images/${w.ref.id}/url?expires_in=60`),
    check: (body, w) => expect(body.url).toBe(blobPath(w.ref)),
    bad: (w) => ({ ...get(`/reference-images/${w.ref.id}/url?expires_in=0`), field: 'expires_in' }),
    missing: () => get(`/reference-images/${GONE}/url`),
  },
  'DELETE /reference-images/:id': {
    ok: (w) => del(`/reference-images/${w.ref.id}`),
    status: 204,
    check: async (_body, w, server) => {
      expect(await server.store(imageGenStore).repo.blobs.exists(blobKey(w.ref))).toBe(false)
    },
    bad: () => ({ ...del('/reference-images/abc'), field: 'id' }),
    missing: () => del(`/reference-images/${GONE}`),
  },
  'GET /jobs': {
    ok: () => get('/jobs?status=processing'),
    check: (body, w) => expect(body.items.map((j: { id: number }) => j.id)).toEqual([w.job.id]),
    bad: () => ({ ...get('/jobs?status=done'), field: 'status' }),
    missing: 'no id',
  },
  'POST /jobs': {
    ok: (w) =>
      post('/jobs', {
        prompt: 'a harbour',
        // Open value lists (the seed gives examples): values beyond the suggested ones.
        style: 'cyberpunk',
        shot_type: 'dolly zoom',
        generation_method: 'comfyui',
        aspect_ratio: '5:4',
        reference_image_ids: [w.ref.id],
      }),
    status: 201,
    check: (body, w) => {
      expect(body).toMatchObject({
        status: 'pending',
        style: 'cyberpunk',
        shot_type: 'dolly zoom',
        generation_method: 'comfyui',
        aspect_ratio: '5:4',
        number_of_shots: 1,
      })
      expect(body.session_id).not.toBe(w.session.id)
    },
    bad: () => ({
      ...post('/jobs', { prompt: 'x', number_of_shots: 11 }),
      field: 'number_of_shots',
    }),
    missing: () => post('/jobs', { prompt: 'x', reference_image_ids: [GONE] }),
  },
  'GET /jobs/:id': {
    ok: (w) => get(`/jobs/${w.job.id}`),
    check: (body, w) =>
      expect(body).toMatchObject({ id: w.job.id, reference_image_urls: [w.ref.gcp_url] }),
    bad: () => ({ ...get('/jobs/abc'), field: 'id' }),
    missing: () => get(`/jobs/${GONE}`),
  },
  'DELETE /jobs/:id': {
    ok: (w) => del(`/jobs/${w.job.id}`),
    status: 204,
    check: async (_body, w, server) => {
      const repo = server.store(imageGenStore).repo
      expect(await repo.blobs.exists(blobKey(w.image))).toBe(false)
      expect((await repo.getSession(w.user.id, w.session.id)).generated_count).toBe(0)
    },
    bad: () => ({ ...del('/jobs/0'), field: 'id' }),
    missing: () => del(`/jobs/${GONE}`),
  },
  'POST /jobs/:id/start': {
    ok: (w) => post(`/jobs/${w.pending.id}/start`),
    check: (body) =>
      expect(body).toMatchObject({ status: 'processing', started_at: expect.any(String) }),
    bad: () => ({ ...post('/jobs/abc/start'), field: 'id' }),
    missing: () => post(`/jobs/${GONE}/start`),
  },
  ...Object.fromEntries(Object.entries(userJob).map(([k, v]) => [`POST /jobs/:id/${k}`, v])),
  'GET /images': {
    ok: () => get('/images?facets=mime_type'),
    check: (body, w) => {
      expect(body.items.map((i: { id: number }) => i.id)).toEqual([w.image.id])
      expect(body.facets.mime_type.values).toEqual([{ value: w.image.mime_type, count: 1 }])
    },
    bad: () => ({ ...get('/images?facets=user_id'), field: 'facets' }),
    missing: 'no id',
  },
  'GET /images/:id': {
    ok: (w) => get(`/images/${w.image.id}`),
    check: (body, w) => expect(body).toEqual(w.image),
    bad: () => ({ ...get('/images/abc'), field: 'id' }),
    missing: () => get(`/images/${GONE}`),
  },
  'GET /images/:id/url': {
    ok: (w) => get(`/images/${w.image.id}/url`),
    check: (body, w) => expect(body.url).toBe(blobPath(w.image)),
    bad: (w) => ({ ...get(`/images/${w.image.id}/url?expires_in=604801`), field: 'expires_in' }),
    missing: () => get(`/images/${GONE}/url`),
  },
  'DELETE /images/:id': {
    ok: (w) => del(`/images/${w.image.id}`),
    status: 204,
    check: async (_body, w, server) => {
      const repo = server.store(imageGenStore).repo
      expect(await repo.getSession(w.user.id, w.session.id)).toMatchObject({
        generated_count: 0,
        thumbnail_url: null,
      })
      expect(await repo.blobs.exists(blobKey(w.image))).toBe(false)
    },
    bad: () => ({ ...del('/images/abc'), field: 'id' }),
    missing: () => del(`/images/${GONE}`),
  },
  'POST /worker/claim': {
    ok: () => post('/worker/claim'),
    check: (body) =>
      expect(body.job).toMatchObject({
        status: 'processing',
        reference_image_urls: expect.any(Array),
      }),
    bad: 'no input',
    missing: 'no id',
  },
  ...Object.fromEntries(
    Object.entries(workerJob).map(([k, v]) => [`POST /worker/users/:user_id/jobs/:id/${k}`, v]),
  ),
}
