import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveApi } from '../../src/stores/archive/api.js'
import { archiveStore } from '../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../engines.js'
import { startTestServer, type TestServer } from './harness.js'

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT'
type Row = Record<string, any>
type Reply = Awaited<ReturnType<TestServer['app']['inject']>>

const PLAN = [
  { operation_type: 'scene_detection', operation_name: 'detect_scenes' },
  { operation_type: 'optimization', operation_name: 'optimize_master' },
  { operation_type: 'clip_encoding', operation_name: 'encode_clips' },
]
const newSession = (session_id: string) => ({
  session_id,
  artwork_name: 'Api Harbor',
  project_date: '24-12-01',
  master_path: '/masters/api_harbor.mov',
  output_path: '/out/api_harbor',
  operations: PLAN,
})
const PRESET = {
  stills_hq_settings: { format: 'tiff' },
  stills_web_settings: { format: 'jpeg', quality: 80 },
  video_settings: { codec: 'h264', crf: 20 },
}
const NO = { session_id: 'no-such-session', id: 987654, preset_id: 'nope', key: 'nope' }
const SESSION = '/sessions/:session_id'
const OPEN = ['initialized', 'processing', 'paused']

describe.each(ENGINES)('archive over HTTP on $name', (engine) => {
  const ctx = useEngine(engine)
  let server: TestServer
  let admin: string
  /** Route templates that answered 2xx, 400 naming a field, and 404. */
  const succeeded = new Set<string>()
  const refusedInput = new Set<string>()
  const answeredMissing = new Set<string>()

  beforeAll(async () => {
    server = await startTestServer(ctx, [archiveStore], { seed: true })
    admin = (await server.access.createToken({ admin: true })).token
  })
  afterAll(() => server.close())

  /** Calls `/api/archive<template>` (`?query` allowed) with `:name` filled from `params`. */
  async function call(
    method: Method,
    template: string,
    params: Record<string, unknown> = {},
    payload?: unknown,
  ): Promise<Reply> {
    const path = template.replace(/:(\w+)/g, (_, name: string) =>
      encodeURIComponent(String(params[name])),
    )
    const res = await server.app.inject({
      method,
      url: `/api/archive${path}`,
      headers: { authorization: `Bearer ${admin}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    const label = `${method} ${template.split('?')[0]}`
    if (res.statusCode < 300) succeeded.add(label)
    if (res.statusCode === 400 && res.json().error.field) refusedInput.add(label)
    if (res.statusCode === 404) answeredMissing.add(label)
    return res
  }
  const ok = (res: Reply, status = 200) => {
    expect(res.statusCode, res.body).toBe(status)
    return res.json()
  }
  const refused = (res: Reply, field: string) => {
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().error).toMatchObject({ code: 'invalid_input', field })
  }
  const missing = (res: Reply) => {
    expect(res.statusCode, res.body).toBe(404)
    expect(res.json().error.code).toBe('not_found')
  }
  const conflict = (res: Reply) => {
    expect(res.statusCode, res.body).toBe(409)
    expect(res.json().error.code).toBe('conflict')
  }
  const start = async (session_id: string) => {
    ok(await call('POST', '/sessions', {}, newSession(session_id)), 201)
    return { session_id }
  }
  const get = async (template: string, params: Record<string, unknown> = {}) =>
    ok(await call('GET', template, params))
  const setting = async (key: string) => (await get('/settings/:key', { key })).value

  it('starts, gets and pages sessions, by status', async () => {
    const created = ok(await call('POST', '/sessions', {}, newSession('api-s1')), 201)
    expect(created).toMatchObject({ status: 'initialized', total_operations: 3 })
    expect(created.operation_details).toEqual({ plan: PLAN })
    expect(created.preset_id).toBe(await setting('default_preset'))
    expect(await get(SESSION, created)).toEqual(created)
    const first = await get('/sessions?limit=5')
    expect(first.items).toHaveLength(5)
    const rest = await get(`/sessions?after=${encodeURIComponent(first.next)}`)
    const ids = [...first.items, ...rest.items].map((s: Row) => s.session_id)
    expect(new Set(ids).size).toBe(14)
    const completed = (await get('/sessions?status=completed')).items
    expect(completed).toHaveLength(8)
    expect(completed.every((s: Row) => s.status === 'completed')).toBe(true)

    refused(await call('GET', '/sessions?status=done'), 'status')
    refused(await call('GET', '/sessions?limit=501'), 'limit')
    const bad = (patch: Row) => call('POST', '/sessions', {}, { ...newSession('x'), ...patch })
    refused(await bad({ project_date: '2024' }), 'project_date')
    refused(await bad({ operations: [] }), 'operations')
    conflict(await call('POST', '/sessions', {}, newSession('api-s1')))
    missing(await call('GET', SESSION, NO))
  })

  it('moves a session through start, pause, resume, complete and fail', async () => {
    const s = await start('api-life')
    const step = async (action: string) => call('POST', `${SESSION}/${action}`, s)
    expect(ok(await step('start')).status).toBe('processing')
    expect(ok(await step('pause')).status).toBe('paused')
    conflict(await step('pause'))
    expect(ok(await step('resume')).status).toBe('processing')
    const scenes = { scenes_data: [{ start: 0, end: 4.2 }], selected_scenes: [0] }
    expect(ok(await call('PUT', `${SESSION}/scenes`, s, scenes))).toMatchObject(scenes)
    refused(await call('PUT', `${SESSION}/scenes`, s, { scenes_data: 3 }), 'scenes_data')
    const done = ok(await step('complete'))
    expect(done.status).toBe('completed')
    expect(done.completed_at).toEqual(expect.any(String))
    conflict(await step('resume'))

    const f = await start('api-fail')
    refused(await call('POST', `${SESSION}/fail`, f, {}), 'error_message')
    const failed = ok(await call('POST', `${SESSION}/fail`, f, { error_message: 'disk full' }))
    expect(failed).toMatchObject({ status: 'failed', error_message: 'disk full' })
    conflict(await call('POST', `${SESSION}/complete`, f))

    for (const action of ['start', 'pause', 'resume', 'complete']) {
      missing(await call('POST', `${SESSION}/${action}`, NO))
    }
    missing(await call('POST', `${SESSION}/fail`, NO, { error_message: 'x' }))
    missing(await call('PUT', `${SESSION}/scenes`, NO, { scenes_data: [] }))
  })

  it('logs an operation from start through progress to its end, and lists the log in order', async () => {
    const s = await start('api-ops')
    const op = ok(
      await call('POST', `${SESSION}/operations`, s, { ...PLAN[0], input_file: '/m.mov' }),
      201,
    )
    expect(op).toMatchObject({ status: 'processing', sequence_number: 1, progress: 0 })
    const usage = { progress: 0.5, cpu_usage: 71.5, memory_usage: 2048 }
    expect(ok(await call('POST', '/operations/:id/progress', op, usage))).toMatchObject(usage)
    refused(await call('POST', '/operations/:id/progress', op, { progress: 2 }), 'progress')
    refused(await call('POST', '/operations/:id/finish', op, { status: 'ok' }), 'status')
    const result = { output_files: ['/out/a.mp4'], warning_messages: ['vfr'] }
    const finished = ok(
      await call('POST', '/operations/:id/finish', op, { ...result, details: { scenes: 9 } }),
    )
    expect(finished).toMatchObject({ ...result, status: 'completed', progress: 1 })
    expect(finished.end_time).toEqual(expect.any(String))
    expect(await get('/operations/:id', op)).toEqual(finished)
    conflict(await call('POST', '/operations/:id/finish', op))
    conflict(await call('POST', '/operations/:id/progress', op, { progress: 0.9 }))
    conflict(await call('POST', `${SESSION}/operations`, s, PLAN[0]))
    const session = await get(SESSION, s)
    expect(session).toMatchObject({ status: 'processing', completed_operations: 1 })
    expect(session.operation_details).toEqual({ plan: PLAN, scenes: 9 })

    const second = ok(await call('POST', `${SESSION}/operations`, s, PLAN[1]), 201)
    ok(await call('POST', '/operations/:id/finish', second, { status: 'skipped' }))
    const log = await get(`${SESSION}/operations?limit=1`, s)
    expect(log.items.map((e: Row) => e.operation_name)).toEqual(['detect_scenes'])
    const next = await get(`${SESSION}/operations?after=${encodeURIComponent(log.next)}`, s)
    expect(next.items.map((e: Row) => [e.sequence_number, e.status])).toEqual([[2, 'skipped']])

    refused(
      await call('POST', `${SESSION}/operations`, s, { operation_type: 'x' }),
      'operation_name',
    )
    refused(await call('GET', `${SESSION}/operations?limit=0`, s), 'limit')
    refused(await call('GET', '/operations/:id', { id: 'x' }), 'id')
    missing(await call('GET', `${SESSION}/operations`, NO))
    missing(await call('POST', `${SESSION}/operations`, NO, PLAN[0]))
    missing(await call('GET', '/operations/:id', NO))
    missing(await call('POST', '/operations/:id/progress', NO, { progress: 0.1 }))
    missing(await call('POST', '/operations/:id/finish', NO))
  })

  it('saves progress as the state row and the log entry together, or neither', async () => {
    const s = await start('api-save')
    const save = (payload: unknown, params = s) =>
      call('POST', `${SESSION}/progress`, params, payload)
    const saved = ok(await save({ ...PLAN[0], output_files: ['/o.json'], details: { n: 4 } }), 201)
    expect(saved.operation).toMatchObject({ ...PLAN[0], status: 'completed', sequence_number: 1 })
    expect(saved.session).toMatchObject({
      status: 'processing',
      completed_operations: 1,
      current_operation: 'detect_scenes',
      operation_details: { plan: PLAN, n: 4 },
    })

    // The log insert fails after the state row was updated: the state row must not change.
    const { db } = server.store(archiveStore)
    const failing = {
      name: 'api_test_failing_log',
      table: 'operation_log',
      timing: 'AFTER' as const,
      event: 'INSERT',
      when: "NEW.operation_name = 'optimize_master'",
      body: ['UPDATE operation_log SET status = NULL WHERE id = NEW.id'],
    }
    for (const statement of db.dialect.trigger(failing)) await db.query(statement)
    try {
      const before = await get(SESSION, s)
      const res = await save({ ...PLAN[1], details: { optimized: true } })
      expect(res.statusCode).toBeGreaterThanOrEqual(400)
      expect(await get(SESSION, s)).toEqual(before)
      const log = await get(`${SESSION}/operations`, s)
      expect(log.items.map((e: Row) => e.operation_name)).toEqual(['detect_scenes'])
    } finally {
      for (const statement of db.dialect.dropTrigger(failing.name, failing.table)) {
        await db.query(statement)
      }
    }
    expect(ok(await save(PLAN[1]), 201).session.completed_operations).toBe(2)

    refused(await save({ operation_name: 'x' }), 'operation_type')
    conflict(await save(PLAN[0]))
    missing(await save(PLAN[0], NO))
  })

  it('returns the resumable session with exactly its completed operations, and the active sessions', async () => {
    const resumable = await get('/resumable-session')
    expect(resumable.session.session_id).toBe('api-save')
    const names = resumable.completed.map((e: Row) => e.operation_name)
    expect(names).toEqual(['detect_scenes', 'optimize_master'])
    expect(resumable.completed_operations_verified).toBe(2)
    expect(resumable.remaining).toEqual([PLAN[2]])
    const log = await get(`${SESSION}/operations`, resumable.session)
    expect(resumable.completed).toEqual(log.items.filter((e: Row) => e.status === 'completed'))

    const page = await get('/active-sessions?limit=1')
    expect(page.items).toHaveLength(1)
    const rest = await get(`/active-sessions?limit=500&after=${page.next}`)
    expect(rest.next).toBeNull()
    const active = [...page.items, ...rest.items]
    expect((await get('/active-sessions')).items).toEqual(active)
    refused(await call('GET', '/active-sessions?limit=0'), 'limit')
    refused(await call('GET', '/active-sessions?after=nope'), 'after')
    const open = (await get('/sessions?limit=500')).items.filter((s: Row) =>
      OPEN.includes(s.status),
    )
    const ids = (rows: Row[]) => rows.map((r) => r.session_id).sort()
    expect(ids(active)).toEqual(ids(open))
    expect(active.find((a: Row) => a.session_id === 'api-save')).toMatchObject({
      status: 'processing',
      progress_percent: 66.7,
      current_operation: 'optimize_master',
    })
  })

  it('lists presets as the seed orders them, creates, updates and sets the default', async () => {
    expect((await get('/presets'))[0]).toMatchObject({
      preset_id: 'archive_master_hq',
      is_default: true,
    })
    const p = { preset_id: 'api_preset' }
    const created = ok(
      await call('POST', '/presets', {}, { ...p, preset_name: 'API', ...PRESET }),
      201,
    )
    expect(created).toMatchObject({
      is_default: false,
      usage_count: 0,
      video_settings: PRESET.video_settings,
    })
    conflict(await call('POST', '/presets', {}, { ...p, preset_name: 'again', ...PRESET }))
    const incomplete = { preset_id: 'p2', preset_name: 'P2' }
    refused(await call('POST', '/presets', {}, incomplete), 'stills_hq_settings')
    const patched = ok(await call('PATCH', '/presets/:preset_id', p, { description: 'for tests' }))
    expect(patched.description).toBe('for tests')
    refused(await call('PATCH', '/presets/:preset_id', p, { preset_name: '' }), 'preset_name')
    expect(await get('/presets/:preset_id', p)).toEqual(patched)
    expect(ok(await call('POST', '/presets/:preset_id/default', p)).is_default).toBe(true)
    const listed = await get('/presets')
    expect(listed[0].preset_id).toBe('api_preset')
    expect(listed.filter((r: Row) => r.is_default)).toHaveLength(1)
    const counts = listed.slice(1).map((r: Row) => r.usage_count)
    expect(counts).toEqual([...counts].sort((a, b) => b - a))
    expect(await setting('default_preset')).toBe('api_preset')
    ok(await call('POST', '/presets/:preset_id/default', { preset_id: 'archive_master_hq' }))

    missing(await call('GET', '/presets/:preset_id', NO))
    missing(await call('PATCH', '/presets/:preset_id', NO, { description: 'x' }))
    missing(await call('POST', '/presets/:preset_id/default', NO))
  })

  it('reads and writes settings typed by value_type, refusing a bad value by its key', async () => {
    expect(await get('/settings')).toHaveLength(20)
    const behavior = (await get('/settings?category=behavior')).map((r: Row) => r.key)
    expect(behavior).toEqual(['auto_open_output', 'generate_log', 'max_resume_age_days'])
    refused(await call('GET', '/settings?category='), 'category')
    const typed = ['parallel_workers', 'gpu_enabled', 'scene_threshold_default', 'log_level']
    expect(await Promise.all(typed.map(setting))).toEqual([4, true, 30, 'INFO'])
    const put = (key: string, value: unknown) => call('PUT', '/settings/:key', { key }, { value })
    expect(ok(await put('parallel_workers', 8)).value).toBe(8)
    expect(ok(await put('gpu_enabled', false)).value).toBe(false)
    expect(ok(await put('window_geometry', { x: 10, y: 20 })).value).toEqual({ x: 10, y: 20 })
    refused(await put('parallel_workers', 'many'), 'parallel_workers')
    refused(await put('parallel_workers', 2.5), 'parallel_workers')
    refused(await put('gpu_enabled', 'maybe'), 'gpu_enabled')
    refused(await call('PUT', '/settings/:key', { key: 'log_level' }, {}), 'value')
    expect(await setting('parallel_workers')).toBe(8)
    missing(await call('GET', '/settings/:key', NO))
    missing(await put('nope', 'x'))

    const define = (payload: Row) => call('POST', '/settings', {}, payload)
    const retries = { key: 'api_retries', value_type: 'integer', value: 3 }
    const defined = ok(await define({ ...retries, category: 'api' }), 201)
    expect(defined).toMatchObject({ key: 'api_retries', value: 3, category: 'api' })
    conflict(await define(retries))
    refused(await define({ key: 'k', value_type: 'date', value: 'x' }), 'value_type')
    refused(await define({ key: 'api_ratio', value_type: 'real', value: 'x' }), 'api_ratio')
  })

  it('registers, lists by category and verifies files against the disk', async () => {
    const s = await start('api-files')
    const files = `${SESSION}/files`
    const still = join(ctx.dir, 'api_still.jpg')
    const clip = join(ctx.dir, 'api_clip.mp4')
    const gone = join(ctx.dir, 'gone.mp4')
    writeFileSync(still, Buffer.alloc(1234))
    writeFileSync(clip, Buffer.alloc(10))
    const stillFile = { file_path: still, file_type: 'still_web', file_category: 'stills' }
    const registered = ok(await call('POST', files, s, stillFile), 201)
    expect(registered).toMatchObject({ file_size_bytes: 1234, verified: false, file_exists: true })
    const clipFile = (file_path: string, file_size_bytes: number) => ({
      file_path,
      file_type: 'clip',
      file_category: 'clips',
      file_size_bytes,
    })
    ok(await call('POST', files, s, clipFile(clip, 99)), 201)
    ok(await call('POST', files, s, clipFile(gone, 5)), 201)
    refused(await call('POST', files, s, { ...stillFile, file_type: 'poster' }), 'file_type')
    const clips = (await get(`${files}?file_category=clips`, s)).items
    expect(clips.map((f: Row) => f.file_path)).toEqual([clip, gone])
    refused(await call('GET', `${files}?file_category=x`, s), 'file_category')

    const report = ok(await call('POST', `${files}/verify`, s))
    expect(report).toMatchObject({ checked: 3, verified: 1 })
    expect(report.missing.map((f: Row) => f.file_path)).toEqual([gone])
    expect(report.size_mismatch).toEqual([
      { file: expect.objectContaining({ file_path: clip }), actual_size_bytes: 10 },
    ])
    const stills = (await get(`${files}?file_category=stills`, s)).items
    expect(stills).toEqual([expect.objectContaining({ verified: true, file_exists: true })])
    const onlyStills = { file_category: 'stills' }
    expect(ok(await call('POST', `${files}/verify`, s, onlyStills))).toMatchObject({ checked: 1 })
    refused(await call('POST', `${files}/verify`, s, { file_category: 'x' }), 'file_category')
    missing(await call('GET', files, NO))
    missing(await call('POST', `${files}/verify`, NO))
    missing(await call('POST', files, NO, stillFile))
  })

  it('records and lists project history and the 30-day statistics', async () => {
    const s = { session_id: 'api-life' }
    const history = `${SESSION}/history`
    refused(await call('POST', history, s, { clips_created: -1 }), 'clips_created')
    const recorded = ok(await call('POST', history, s, { clips_created: 7 }), 201)
    expect(recorded).toMatchObject({
      artwork_name: 'Api Harbor',
      master_filename: 'api_harbor.mov',
      clips_created: 7,
      completed_successfully: true,
    })
    conflict(await call('POST', history, s))
    conflict(await call('POST', history, { session_id: 'api-save' }))
    missing(await call('POST', history, NO))
    expect(await get(history, s)).toEqual(recorded)
    missing(await call('GET', history, NO))

    const all = (await get('/history?limit=500')).items
    expect(all[0].session_id).toBe('api-life')
    const page = await get('/history?limit=3')
    const more = await get(`/history?limit=500&after=${encodeURIComponent(page.next)}`)
    expect([...page.items, ...more.items]).toEqual(all)
    const tidal = (await get('/history?artwork_name=Tidal%20Loom')).items
    expect(tidal.length).toBeGreaterThan(0)
    expect(tidal.every((h: Row) => h.artwork_name === 'Tidal Loom')).toBe(true)
    refused(await call('GET', '/history?after='), 'after')
    expect((await get('/history/archive')).items).toEqual([])
    refused(await call('GET', '/history/archive?limit=x'), 'limit')

    const month = Date.now() - 30 * 86_400_000
    const recent = all.filter((h: Row) => Date.parse(h.completed_at) >= month)
    const stats = await get('/statistics')
    expect(stats.total_projects).toBe(recent.length)
    const successful = recent.filter((h: Row) => h.completed_successfully)
    expect(stats.successful_projects).toBe(successful.length)
  })

  it('runs the maintenance tasks: dry runs change nothing, real runs report what they changed', async () => {
    const state = async () => ({
      sessions: (await get('/sessions?limit=500')).items,
      history: (await get('/history?limit=500')).items,
      archive: (await get('/history/archive')).items,
      presets: await get('/presets'),
      logs: await Promise.all(
        ['sample-06', 'sample-10', 'sample-11'].map(
          async (session_id) => (await get(`${SESSION}/operations`, { session_id })).items,
        ),
      ),
    })
    const maintain = (task: string, payload?: Row) =>
      call('POST', `/maintenance/${task}`, {}, payload)
    const before = await state()
    const dry = async (task: string) => ok(await maintain(task, { dry_run: true }))
    expect((await dry('cleanup')).counts).toMatchObject({ sessions: 2 })
    expect(await dry('archive-history')).toMatchObject({
      task: 'archive-history',
      dry_run: true,
      older_than_days: 90,
      counts: { archived: 3, already_in_archive: 0 },
    })
    expect((await dry('purge-logs')).counts.operation_logs).toBeGreaterThan(0)
    expect((await dry('reset-usage')).counts).toEqual({ presets: 4 })
    expect(await state()).toEqual(before)

    const archived = ok(await maintain('archive-history', { older_than_days: 150 }))
    expect(archived).toMatchObject({
      dry_run: false,
      older_than_days: 150,
      counts: { archived: 1 },
    })
    expect((await get('/history/archive')).items).toHaveLength(1)
    const again = ok(await maintain('archive-history', { older_than_days: 150 }))
    expect(again.counts.archived).toBe(0)
    expect(ok(await maintain('cleanup')).counts.sessions).toBe(2)
    missing(await call('GET', SESSION, { session_id: 'sample-10' }))
    ok(await maintain('purge-logs', { older_than_days: 36_500 }))
    expect(ok(await maintain('reset-usage', {})).counts.presets).toBe(4)
    expect((await get('/presets')).every((p: Row) => p.usage_count === 0)).toBe(true)

    for (const task of ['cleanup', 'archive-history', 'purge-logs', 'reset-usage']) {
      refused(await maintain(task, { older_than_days: -1 }), 'older_than_days')
    }
    refused(await maintain('cleanup', { dry_run: 'yes' }), 'dry_run')
  })

  it('has answered every route with success, bad input and unknown ids', () => {
    const labelled = archiveApi.map((r) => ({ r, label: `${r.method} ${r.path}` }))
    const never = (routes: typeof labelled, seen: Set<string>) =>
      routes.filter(({ label }) => !seen.has(label)).map(({ label }) => label)
    expect(never(labelled, succeeded)).toEqual([])
    // Text ids (session, preset, setting key) have no malformed form; numeric ids and bodies do.
    const withInput = labelled.filter(({ r }) => r.query || r.body || r.path.includes(':id'))
    expect(never(withInput, refusedInput)).toEqual([])
    expect(
      never(
        labelled.filter(({ r }) => r.params),
        answeredMissing,
      ),
    ).toEqual([])
  })
})
