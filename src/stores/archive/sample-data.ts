import type { Kysely } from 'kysely'
import { Random, type Database, type SeedSummary } from '../../core/index.js'
import type { ArchiveRepository } from './repository.js'
import type { PlannedOperation } from './inputs.js'
import type { ArchiveTables, FileCategory, FileType } from './tables.js'

const PLAN: PlannedOperation[] = [
  { operation_type: 'scene_detection', operation_name: 'detect_scenes' },
  { operation_type: 'optimization', operation_name: 'optimize_master' },
  { operation_type: 'still_extraction', operation_name: 'extract_stills_hq' },
  { operation_type: 'still_extraction', operation_name: 'extract_stills_web' },
  { operation_type: 'clip_encoding', operation_name: 'encode_clips' },
  { operation_type: 'rd_processing', operation_name: 'process_rd_files' },
]

const OUTPUTS: Record<string, [FileType, FileCategory, string][]> = {
  optimize_master: [['master', 'masters', 'mp4']],
  extract_stills_hq: [['still_hq', 'stills', 'tif']],
  extract_stills_web: [['still_web', 'stills', 'jpg']],
  encode_clips: [['clip', 'clips', 'mp4']],
  process_rd_files: [
    ['rd_image', 'rd', 'jpg'],
    ['rd_video', 'rd', 'mp4'],
  ],
}

const ARTWORKS = ['Tidal Loom', 'Glass Orchard', 'Night Ferry', 'Salt Atlas', 'Paper Comet']

/** Sessions of the sample: [outcome, days since last update, operations done]. */
const SESSIONS: [
  outcome: 'completed' | 'failed' | 'paused' | 'processing',
  ageDays: number,
  done: number,
][] = [
  ['completed', 2, 6],
  ['completed', 5, 6],
  ['completed', 12, 6],
  ['completed', 21, 6],
  ['completed', 45, 6],
  ['completed', 100, 6],
  ['completed', 130, 6],
  ['completed', 210, 6],
  ['failed', 3, 2],
  ['failed', 40, 1],
  ['processing', 35, 3],
  ['paused', 1, 4],
  ['processing', 0.05, 3],
]

/**
 * seedSampleData fills an empty archive store with a reproducible sample: three presets, thirteen
 * sessions over seven months (completed with history, failed, paused and one still running, so
 * the resume query, the views and every maintenance task have something to show), their logs
 * and registered files.
 */
export async function seedSampleData(repo: ArchiveRepository, db: Database): Promise<SeedSummary> {
  const k = db.kysely as Kysely<ArchiveTables>
  const rnd = new Random(3)
  const now = Date.now()
  const presetIds = ['archive_master_hq', 'web_light', 'social_vertical']
  for (const [i, preset_id] of presetIds.entries()) {
    await repo.createPreset({
      preset_id,
      preset_name: preset_id.replace(/_/g, ' '),
      base_preset: 'webflow_standard',
      is_default: i === 0,
      stills_hq_settings: { format: 'tiff', quality: 100, max_width: 6000 },
      stills_web_settings: { format: 'jpeg', quality: 82 - i * 6, max_width: 2400 - i * 600 },
      video_settings: {
        codec: 'h264',
        crf: 18 + i * 3,
        preset: 'slow',
        max_height: 2160 / (i + 1),
      },
      thumbnail_settings: { width: 480, format: 'jpeg' },
      description: `Sample preset ${i + 1}`,
    })
  }
  let logs = 0
  let fileCount = 0
  let histories = 0
  for (const [n, [outcome, ageDays, done]] of SESSIONS.entries()) {
    const artwork = ARTWORKS[n % ARTWORKS.length]!
    const ended = new Date(now - ageDays * 86_400_000)
    const started = new Date(ended.getTime() - done * 240_000 - 60_000)
    const date = started.toISOString().slice(2, 10)
    const session = await repo.startSession({
      session_id: `sample-${String(n + 1).padStart(2, '0')}`,
      artwork_name: artwork,
      project_date: date,
      master_path: `/archive/masters/${artwork.replace(/ /g, '_')}_master.mov`,
      rd_folder_path: rnd.chance(0.5) ? `/archive/rd/${artwork.replace(/ /g, '_')}` : null,
      output_path: `/archive/output/${date}_${artwork.replace(/ /g, '_')}`,
      preset_id: rnd.pick(presetIds),
      encoder_type: rnd.pick(['x264', 'nvenc'] as const),
      operations: PLAN,
    })
    const sid = session.session_id
    await repo.startProcessing(sid)
    for (const [i, op] of PLAN.slice(0, done).entries()) {
      const entry = await repo.startOperation(sid, op)
      const outputs = (OUTPUTS[op.operation_name] ?? []).map(
        ([, , ext], j) => `${session.output_path}/${op.operation_name}_${j + 1}.${ext}`,
      )
      const failing = outcome === 'failed' && i === done - 1
      await repo.finishOperation(entry.id, {
        status: failing ? 'failed' : 'completed',
        output_files: outputs,
        settings_used: { threshold: session.scene_threshold },
        error_details: failing ? 'ffmpeg exited with code 1: moov atom not found' : null,
        warning_messages: rnd.chance(0.2) ? ['variable frame rate detected'] : [],
        cpu_usage: rnd.float(20, 95, 1),
        gpu_usage: session.encoder_type === 'nvenc' ? rnd.float(30, 90, 1) : null,
        memory_usage: rnd.int(600, 4200),
      })
      logs++
      const startTime = new Date(started.getTime() + i * 240_000)
      await k
        .updateTable('operation_log')
        .set({
          start_time: startTime,
          end_time: new Date(startTime.getTime() + 180_000),
          duration_seconds: 180,
          timestamp: startTime,
        })
        .where('id', '=', entry.id)
        .execute()
      if (failing) continue
      for (const [j, [file_type, file_category, ext]] of (
        OUTPUTS[op.operation_name] ?? []
      ).entries()) {
        const file = await repo.registerFile(sid, {
          file_path: outputs[j]!,
          file_type,
          file_category,
          file_format: ext,
          file_size_bytes: rnd.int(200_000, 900_000_000),
          resolution: file_category === 'stills' ? '6000x4000' : '3840x2160',
          aspect_ratio: file_category === 'stills' ? '3:2' : '16:9',
          source_file: session.master_path,
          processing_time_ms: rnd.int(800, 90_000),
        })
        await k
          .updateTable('file_registry')
          .set({ created_at: startTime })
          .where('id', '=', file.id)
          .execute()
        fileCount++
      }
    }
    if (outcome === 'completed') await repo.completeSession(sid)
    if (outcome === 'failed') await repo.failSession(sid, 'ffmpeg exited with code 1')
    if (outcome === 'paused') await repo.pauseSession(sid)
    await k
      .updateTable('processing_state')
      .set({
        created_at: started,
        updated_at: ended,
        completed_at: outcome === 'completed' ? ended : null,
      })
      .where('session_id', '=', sid)
      .execute()
    if (outcome === 'completed' || (outcome === 'failed' && ageDays < 30)) {
      const stills = rnd.int(12, 80)
      const clips = rnd.int(4, 30)
      await repo.recordProjectHistory({
        session_id: sid,
        master_duration: rnd.float(60, 1800, 1),
        master_resolution: '3840x2160',
        master_fps: rnd.pick([23.976, 25, 29.97]),
        master_codec: 'prores',
        master_size_mb: rnd.float(4000, 60_000, 1),
        scenes_detected: stills + rnd.int(0, 20),
        scenes_exported: stills,
        stills_created: stills * 2,
        clips_created: clips,
        rd_files_processed: rnd.int(0, 40),
        total_files_created: stills * 2 + clips,
        total_output_size_mb: rnd.float(300, 9000, 1),
        compression_ratio: rnd.float(4, 30, 2),
        total_processing_time_seconds: done * 180,
        gpu_accelerated: session.encoder_type === 'nvenc',
        average_fps_processed: rnd.float(40, 400, 1),
        completion_notes: outcome === 'failed' ? 'stopped at optimization' : null,
        started_at: started,
        completed_at: ended,
      })
      histories++
    }
  }
  return {
    processing_state: SESSIONS.length,
    operation_log: logs,
    user_presets: presetIds.length,
    project_history: histories,
    file_registry: fileCount,
  }
}
