import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Legacy logs as the seed's project wrote them (seed 000: "Data Sources and Migration"), for
 * importer tests and the import benchmark: an upload CSV, a folder of prompt JSON files and a
 * video generation log in JSON Lines.
 */
export interface LegacyLogs {
  uploads: string
  prompts: string
  videos: string
}

export interface LegacyLogOptions {
  /** Upload rows (image i is `img_<i>.jpg`); every 10th fails first and succeeds on a retry row. */
  images: number
  /** Prompt files: `prompt_<i>.json` for image i; every 7th has no image_filename (legacy). */
  prompts: number
  /** Video log lines, cycling over the prompt files. */
  videos: number
}

const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString()

/** uploadLines returns the CSV rows (with header) of `count` uploads and their retries. */
export function uploadLines(count: number): string[] {
  const lines = [
    'timestamp,original_filename,original_path,file_size_bytes,upload_url,uploaded_filename,processing_time_seconds,status,error_message',
  ]
  const retries: string[] = []
  for (let i = 1; i <= count; i++) {
    const name = `img_${i}.jpg`
    const ok = `${at(i)},${name},in/${name},${1000 + i},https://img.example.com/${name},up_${name},${(i % 50) / 10 + 0.5},success,`
    if (i % 10 === 0) {
      lines.push(`${at(i)},${name},in/${name},${1000 + i},,,2.5,failed,"HTTP 502, retrying"`)
      retries.push(ok)
    } else lines.push(ok)
  }
  return [...lines, ...retries]
}

/** promptDocument is the JSON of prompt file i. */
export function promptDocument(i: number): Record<string, unknown> {
  return {
    ...(i % 7 === 0 ? {} : { image_filename: i % 3 === 0 ? `up_img_${i}.jpg` : `img_${i}.jpg` }),
    image_prompt: `photo ${i}`,
    video_prompt: `scene ${i}, slow pan`,
    refined_video_prompt: `scene ${i}, slow pan, golden hour`,
    creative_video_prompt_1: `dream of scene ${i}`,
    creative_video_prompt_2: null,
    model: 'gpt-4o',
  }
}

/** videoLine is line i of the generation log: odd lines succeed, even ones fail without a file. */
export function videoLine(i: number, prompts: number): string {
  const p = ((i - 1) % Math.max(1, prompts)) + 1
  const common = {
    prompt_file: `prompt_${p}.json`,
    prompt_type: 'base',
    generation_service: 'duomi',
    created_at: at(i),
    resolution: '1280x720',
  }
  if (i % 2 === 1) {
    return JSON.stringify({
      ...common,
      video_filename: `video_${i}.mp4`,
      video_path: `out/video_${i}.mp4`,
      generation_time_seconds: 30 + (i % 90),
      file_size_bytes: 2_000_000 + i,
      status: 'success',
    })
  }
  return JSON.stringify({ ...common, status: 'failure', error_message: 'generation timed out' })
}

/** writeLegacyLogs writes the three sources into `dir` and returns their paths. */
export function writeLegacyLogs(dir: string, options: LegacyLogOptions): LegacyLogs {
  mkdirSync(dir, { recursive: true })
  const logs: LegacyLogs = {
    uploads: join(dir, 'image_uploading.csv'),
    prompts: join(dir, 'prompt_json'),
    videos: join(dir, 'video_generation_log.jsonl'),
  }
  writeFileSync(logs.uploads, `${uploadLines(options.images).join('\n')}\n`)
  mkdirSync(logs.prompts, { recursive: true })
  for (let i = 1; i <= options.prompts; i++) {
    writeFileSync(
      join(logs.prompts, `prompt_${i}.json`),
      JSON.stringify(promptDocument(i), null, 2),
    )
  }
  const lines: string[] = []
  for (let i = 1; i <= options.videos; i++) lines.push(videoLine(i, options.prompts))
  writeFileSync(logs.videos, `${lines.join('\n')}\n`)
  return logs
}
