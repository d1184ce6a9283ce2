import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ConflictError,
  NotFoundError,
  openStore,
  ValidationError,
  type OpenStore,
} from '../../../src/core/index.js'
import {
  archiveStore,
  type ArchiveRepository,
  type NewProcessingSession,
} from '../../../src/stores/archive/index.js'
import { ENGINES, useEngine } from '../../engines.js'

const PLAN = [
  { operation_type: 'scene_detection', operation_name: 'detect' },
  { operation_type: 'optimization', operation_name: 'optimize' },
  { operation_type: 'clip_encoding', operation_name: 'encode' },
]

const session = (id: string, extra: Partial<NewProcessingSession> = {}): NewProcessingSession => ({
  session_id: id,
  artwork_name: 'Tidal Loom',
  project_date: '24-12-01',
  master_path: '/masters/tidal.mov',
  output_path: '/out/tidal',
  operations: PLAN,
  ...extra,
})

describe.each(ENGINES)('archive repository on $name', (engine) => {
  const ctx = useEngine(engine)
  let store: OpenStore<ArchiveRepository>
  let repo: ArchiveRepository

  beforeEach(async () => {
    store = await openStore(archiveStore, { location: ctx.freshLocation('archive') })
    repo = store.repo
  })
  afterEach(() => store.close())

  it('starts a session with its plan, defaults from the settings, and counts the preset’s use', async () => {
    await repo.createPreset({
      preset_id: 'web',
      preset_name: 'Web',
      stills_hq_settings: { q: 100 },
      stills_web_settings: { q: 80 },
      video_settings: { crf: 20 },
    })
    await repo.setSetting('encoder_preference', 'nvenc')
    const s = await repo.startSession(
      session('s1', { preset_id: 'web', custom_settings: { crf: 18 } }),
    )
    expect(s).toMatchObject({
      session_id: 's1',
      status: 'initialized',
      total_operations: 3,
      completed_operations: 0,
      encoder_type: 'nvenc',
      scene_threshold: 30,
      min_scene_length: 15,
      custom_settings: { crf: 18 },
      operation_details: { plan: PLAN },
    })
    expect(s.created_at).toMatch(/Z$/)
    expect((await repo.startSession(session('s2'))).preset_id).toBe('webflow_standard')
    expect(await repo.getPreset('web')).toMatchObject({ usage_count: 1 })
    expect((await repo.getPreset('web')).last_used_at).not.toBeNull()
    await expect(repo.startSession(session('s1'))).rejects.toBeInstanceOf(ConflictError)
    await expect(
      repo.startSession(session('s3', { project_date: '2024-12-01' })),
    ).rejects.toMatchObject({
      field: 'project_date',
    })
    await expect(
      repo.startSession(session('s4', { operations: [PLAN[0]!, PLAN[0]!] })),
    ).rejects.toMatchObject({ field: 'operations' })
  })

  it('moves a session through processing, paused, completed and failed, refusing wrong steps', async () => {
    await repo.startSession(session('s1'))
    await expect(repo.pauseSession('s1')).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.startProcessing('s1')).status).toBe('processing')
    expect((await repo.pauseSession('s1')).status).toBe('paused')
    expect((await repo.resumeSession('s1')).status).toBe('processing')
    const done = await repo.completeSession('s1')
    expect(done.status).toBe('completed')
    expect(done.completed_at).not.toBeNull()
    await expect(repo.failSession('s1', 'x')).rejects.toBeInstanceOf(ConflictError)
    await repo.startSession(session('s2'))
    expect(await repo.failSession('s2', 'disk full')).toMatchObject({
      status: 'failed',
      error_message: 'disk full',
      completed_at: null,
    })
    await expect(repo.getSession('nope')).rejects.toBeInstanceOf(NotFoundError)
    const scenes = await repo
      .saveScenes('s1', { scenes_data: [{ start: 0, end: 4.2 }] })
      .catch((e) => e)
    expect(scenes).toBeInstanceOf(ConflictError)
  })

  it('logs operations numbered in order, with progress, timing and results, and counts completions', async () => {
    await repo.startSession(session('s1'))
    const detect = await repo.startOperation('s1', {
      ...PLAN[0]!,
      input_file: '/masters/tidal.mov',
    })
    expect(detect).toMatchObject({ sequence_number: 1, status: 'processing', progress: 0 })
    expect((await repo.getSession('s1')).status).toBe('processing')
    expect(await repo.reportProgress(detect.id, { progress: 0.5, cpu_usage: 80 })).toMatchObject({
      progress: 0.5,
      cpu_usage: 80,
    })
    await expect(repo.reportProgress(detect.id, 1.5)).rejects.toMatchObject({ field: 'progress' })
    const finished = await repo.finishOperation(detect.id, {
      output_files: ['/out/a.json'],
      file_sizes: { '/out/a.json': 10 },
      warning_messages: ['vfr'],
      memory_usage: 900,
      details: { scenes: 12 },
    })
    expect(finished).toMatchObject({
      status: 'completed',
      progress: 1,
      output_files: ['/out/a.json'],
      warning_messages: ['vfr'],
      memory_usage: 900,
    })
    expect(finished.duration_seconds).toBeGreaterThanOrEqual(0)
    expect(finished.end_time).not.toBeNull()
    await expect(repo.finishOperation(detect.id)).rejects.toBeInstanceOf(ConflictError)
    await expect(repo.startOperation('s1', PLAN[0]!)).rejects.toThrow(/already completed/)
    const optimize = await repo.startOperation('s1', PLAN[1]!)
    await repo.finishOperation(optimize.id, { status: 'failed', error_details: 'codec' })
    const s = await repo.getSession('s1')
    expect(s).toMatchObject({ completed_operations: 1, current_operation: 'optimize' })
    expect(s.operation_details).toEqual({ plan: PLAN, scenes: 12 })
    const saved = await repo.saveProgress('s1', { ...PLAN[1]!, details: { retry: true } })
    expect(saved).toMatchObject({ sequence_number: 3, status: 'completed', progress: 1 })
    expect((await repo.getSession('s1')).completed_operations).toBe(2)
    const log = await repo.listOperations('s1')
    expect(log.items.map((e) => [e.sequence_number, e.operation_name, e.status])).toEqual([
      [1, 'detect', 'completed'],
      [2, 'optimize', 'failed'],
      [3, 'optimize', 'completed'],
    ])
  })

  it('writes the log entry and the session in one transaction: nothing half-written', async () => {
    await repo.startSession(session('s1'))
    const op = await repo.startOperation('s1', PLAN[0]!)
    await repo.failSession('s1', 'crashed')
    await expect(repo.finishOperation(op.id)).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.getOperation(op.id)).status).toBe('processing')
    await expect(repo.saveProgress('s1', PLAN[1]!)).rejects.toBeInstanceOf(ConflictError)
    expect((await repo.listOperations('s1')).items).toHaveLength(1)
    await expect(repo.startOperation('missing', PLAN[0]!)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('numbers log entries inserted at once without sequence_number, without duplicates', async () => {
    await repo.startSession(session('s1'))
    const p = (i: number) => store.db.dialect.parameter(i)
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.db.query(
          `INSERT INTO operation_log (session_id, operation_type, operation_name, status, progress) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})`,
          ['s1', 'still_extraction', `op-${i}`, 'completed', 1.0],
        ),
      ),
    )
    const numbers = (await repo.listOperations('s1')).items.map((e) => e.sequence_number)
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
  })

  it('finds the resumable session with exactly its completed operations, within max_resume_age_days', async () => {
    expect(await repo.getResumableSession()).toBeUndefined()
    await repo.startSession(session('old'))
    await repo.startSession(session('s1'))
    for (const op of PLAN.slice(0, 2)) {
      const entry = await repo.startOperation('s1', op)
      await repo.finishOperation(entry.id)
    }
    const running = await repo.startOperation('s1', PLAN[2]!)
    const resumable = await repo.getResumableSession()
    expect(resumable!.session.session_id).toBe('s1')
    expect(resumable!.completed_operations_verified).toBe(2)
    expect(resumable!.completed.map((e) => e.operation_name)).toEqual(['detect', 'optimize'])
    expect(resumable!.interrupted.map((e) => e.id)).toEqual([running.id])
    expect(resumable!.remaining).toEqual([PLAN[2]])
    expect(resumable!.last_operation_time).not.toBeNull()
    // A restarted attempt supersedes the interrupted one.
    const again = await repo.startOperation('s1', PLAN[2]!)
    expect((await repo.getOperation(running.id)).status).toBe('failed')
    expect(again.sequence_number).toBe(4)

    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000)
    await store.db.kysely
      .updateTable('processing_state')
      .set({ updated_at: eightDaysAgo })
      .where('session_id', '=', 's1')
      .execute()
    expect(await repo.getResumableSession()).toBeUndefined()
    await repo.setSetting('max_resume_age_days', 10)
    expect((await repo.getResumableSession())!.session.session_id).toBe('s1')
    await repo.pauseSession('s1')
    expect((await repo.getResumableSession())!.session.status).toBe('paused')
  })

  it('keeps presets: one default, updates, the seed’s order, usage counted by the trigger', async () => {
    const base = { stills_hq_settings: {}, stills_web_settings: {}, video_settings: { crf: 20 } }
    await repo.createPreset({ ...base, preset_id: 'a', preset_name: 'A', is_default: true })
    await repo.createPreset({ ...base, preset_id: 'b', preset_name: 'B' })
    await repo.createPreset({ ...base, preset_id: 'c', preset_name: 'C', is_default: true })
    expect((await repo.getPreset('a')).is_default).toBe(false)
    for (const id of ['b', 'b', 'a'])
      await repo.startSession(session(`s-${Math.random()}`, { preset_id: id }))
    expect(
      (await repo.listPresets()).map((p) => [p.preset_id, p.is_default, p.usage_count]),
    ).toEqual([
      ['c', true, 0],
      ['b', false, 2],
      ['a', false, 1],
    ])
    const before = await repo.getPreset('b')
    const updated = await repo.updatePreset('b', {
      video_settings: { crf: 28 },
      description: 'small',
    })
    expect(updated).toMatchObject({
      video_settings: { crf: 28 },
      description: 'small',
      usage_count: 2,
    })
    expect(updated.modified_at! >= before.modified_at!).toBe(true)
    expect((await repo.setDefaultPreset('b')).is_default).toBe(true)
    expect((await repo.getPreset('c')).is_default).toBe(false)
    expect((await repo.getSetting('default_preset')).value).toBe('b')
    await expect(repo.setDefaultPreset('zz')).rejects.toBeInstanceOf(NotFoundError)
    expect((await repo.getPreset('b')).is_default).toBe(true)
    await expect(
      repo.createPreset({ ...base, preset_id: 'a', preset_name: 'A' }),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(
      repo.createPreset({ preset_id: 'd', preset_name: 'D', stills_hq_settings: {} } as never),
    ).rejects.toMatchObject({ field: 'stills_web_settings' })
  })

  it('reads and writes settings by value_type, refusing values that do not parse, naming the key', async () => {
    expect((await repo.getSetting('parallel_workers')).value).toBe(4)
    expect((await repo.getSetting('scene_threshold_default')).value).toBe(30)
    expect((await repo.getSetting('gpu_enabled')).value).toBe(true)
    expect((await repo.getSetting('window_geometry')).value).toBeNull()
    expect((await repo.getSetting('copyright_text')).value).toBe('© Yambo Studio')
    expect((await repo.setSetting('parallel_workers', '8')).value).toBe(8)
    expect((await repo.setSetting('scene_threshold_default', 27.5)).value).toBe(27.5)
    expect((await repo.setSetting('gpu_enabled', false)).value).toBe(false)
    const geometry = { x: 10, y: 20, width: 1280, height: 800 }
    expect((await repo.setSetting('window_geometry', geometry)).value).toEqual(geometry)
    for (const [key, value] of [
      ['parallel_workers', 'four'],
      ['parallel_workers', 2.5],
      ['scene_threshold_default', 'high'],
      ['gpu_enabled', 'maybe'],
      ['window_geometry', '{not json'],
      ['log_level', 3],
    ] as const) {
      const error = await repo.setSetting(key, value).catch((e) => e)
      expect(error, `${key}=${value}`).toBeInstanceOf(ValidationError)
      expect(error.field).toBe(key)
      expect(error.message).toContain(key)
    }
    expect((await repo.getSetting('parallel_workers')).value).toBe(8)
    await expect(repo.setSetting('nope', 1)).rejects.toBeInstanceOf(NotFoundError)
    await repo.defineSetting({
      key: 'retries',
      value_type: 'integer',
      value: 3,
      category: 'behavior',
    })
    expect((await repo.listSettings({ category: 'behavior' })).map((s) => s.key)).toContain(
      'retries',
    )
    await expect(
      repo.defineSetting({ key: 'retries', value_type: 'integer', value: 3 }),
    ).rejects.toBeInstanceOf(ConflictError)
    await store.db.query("UPDATE app_settings SET value = 'lots' WHERE key = 'retries'")
    await expect(repo.getSetting('retries')).rejects.toMatchObject({ field: 'retries' })
  })

  it('registers files and verifies them against the disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-files-'))
    try {
      await repo.startSession(session('s1'))
      const still = join(dir, 'still.jpg')
      const clip = join(dir, 'clip.mp4')
      writeFileSync(still, Buffer.alloc(1234))
      writeFileSync(clip, Buffer.alloc(99))
      const a = await repo.registerFile('s1', {
        file_path: still,
        file_type: 'still_web',
        file_category: 'stills',
      })
      expect(a).toMatchObject({
        file_size_bytes: 1234,
        file_exists: true,
        verified: false,
        has_metadata: true,
      })
      await repo.registerFile('s1', {
        file_path: clip,
        file_type: 'clip',
        file_category: 'clips',
        file_size_bytes: 5_000_000_000,
      })
      await repo.registerFile('s1', {
        file_path: join(dir, 'gone.tif'),
        file_type: 'still_hq',
        file_category: 'stills',
      })
      await expect(
        repo.registerFile('s1', {
          file_path: still,
          file_type: 'poster',
          file_category: 'stills',
        } as never),
      ).rejects.toMatchObject({ field: 'file_type' })
      await expect(
        repo.registerFile('missing', {
          file_path: still,
          file_type: 'clip',
          file_category: 'clips',
        }),
      ).rejects.toBeInstanceOf(ValidationError)
      const report = await repo.verifyFiles('s1')
      expect(report.checked).toBe(3)
      expect(report.verified).toBe(1)
      expect(report.missing.map((f) => f.file_path)).toEqual([join(dir, 'gone.tif')])
      expect(report.size_mismatch.map((m) => [m.file.file_path, m.actual_size_bytes])).toEqual([
        [clip, 99],
      ])
      const stills = await repo.listFiles('s1', { file_category: 'stills' })
      expect(stills.items.map((f) => [f.file_path, f.file_exists, f.verified])).toEqual([
        [still, true, true],
        [join(dir, 'gone.tif'), false, false],
      ])
      const clips = await repo.listFiles('s1', { file_category: 'clips' })
      expect(clips.items[0]).toMatchObject({ file_size_bytes: 5_000_000_000, verified: false })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('records finished projects and reports statistics over 30 days', async () => {
    await repo.startSession(session('s1'))
    await expect(repo.recordProjectHistory({ session_id: 's1' })).rejects.toBeInstanceOf(
      ConflictError,
    )
    await repo.completeSession('s1')
    const h = await repo.recordProjectHistory({
      session_id: 's1',
      total_processing_time_seconds: 100,
      total_files_created: 10,
      compression_ratio: 4,
      gpu_accelerated: true,
      metadata: { machine: 'studio-1' },
    })
    expect(h).toMatchObject({
      artwork_name: 'Tidal Loom',
      master_filename: 'tidal.mov',
      completed_successfully: true,
      gpu_accelerated: true,
      metadata: { machine: 'studio-1' },
    })
    await expect(repo.recordProjectHistory({ session_id: 's1' })).rejects.toBeInstanceOf(
      ConflictError,
    )
    await repo.startSession(session('s2'))
    await repo.failSession('s2', 'x')
    await repo.recordProjectHistory({
      session_id: 's2',
      total_processing_time_seconds: 50,
      completed_at: new Date(Date.now() - 40 * 86_400_000),
    })
    expect(await repo.getProjectStatistics()).toEqual({
      total_projects: 1,
      successful_projects: 1,
      avg_processing_time: 100,
      total_files_created: 10,
      total_output_size_mb: null,
      avg_compression_ratio: 4,
    })
    expect((await repo.listProjectHistory()).items.map((e) => e.session_id)).toEqual(['s2', 's1'])
    expect((await repo.getProjectHistory('s2')).completed_successfully).toBe(false)
  })
})
