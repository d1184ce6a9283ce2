import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  ValidationError,
  parseTimestamp,
  type Columns,
  type Table,
  JOB_COLUMN_NAMES,
} from '../../core/index.js'
import { readCsvRecords } from './import-csv.js'
import { videoBatchTables } from './tables.js'

/**
 * Readers of the three legacy logs (seed 000: "Data Sources and Migration"). Each reads a whole
 * source, validates every entry, and returns the good entries and the bad ones (with file and
 * line), writing nothing. A source that cannot be read at all (missing file, bad CSV header)
 * throws ValidationError naming it.
 */

/** ImportIssue is a bad entry: where it is and what is wrong with it. Bad entries are skipped. */
export interface ImportIssue {
  table: 'images' | 'prompts' | 'videos'
  file: string
  line: number
  message: string
}

/** SourceEntry is one valid entry: its identity key, the column values it gives, its links. */
export interface SourceEntry {
  file: string
  line: number
  key: string
  values: Record<string, unknown>
  imageFilename?: string
  promptFile?: string
}

/** What to do with each bad entry: record it and go on, or (for --strict) throw. */
export type IssueHandler = (issue: ImportIssue) => void

type Kind = 'text' | 'integer' | 'real' | 'timestamp'

/** The kind of each column of `table` but `omitted`, in the declaration's order. */
export function kindsOf<Cs extends Columns, O extends keyof Cs & string>(
  table: Table<Cs>,
  omitted: readonly O[],
): { readonly [C in Exclude<keyof Cs & string, O>]: Cs[C]['kind'] } {
  const kinds = Object.entries(table.columns)
    .filter(([column]) => !omitted.includes(column as O))
    .map(([column, declared]) => [column, declared.kind])
  return Object.fromEntries(kinds) as { [C in Exclude<keyof Cs & string, O>]: Cs[C]['kind'] }
}

const { images, prompts, videos } = videoBatchTables

/** The images columns an upload log may carry, with their kinds (`id`, `updated_at` are genmedia's). */
export const UPLOAD_COLUMNS: Readonly<Record<string, Kind>> = kindsOf(images, ['id', 'updated_at'])

/** The videos columns a generation log may carry; other keys go into `metadata`. */
export const VIDEO_COLUMNS: Readonly<Record<string, Kind>> = kindsOf(videos, [
  'id',
  'image_id',
  'prompt_id',
  'metadata',
  'claimed_at',
  'claimed_by',
  'source_key',
  // The job runtime's own columns: a log does not carry them.
  ...JOB_COLUMN_NAMES,
])

/** The prompts columns a prompt file may carry (its image is linked by `image_filename`). */
const PROMPT_FILE_COLUMNS: Readonly<Record<string, Kind>> = kindsOf(prompts, [
  'id',
  'image_id',
  'updated_at',
  'source_file',
])

/** Upload statuses a log may give (`legacy` is the placeholder's alone). */
const UPLOAD_STATUSES = new Set(['success', 'failed', 'pending'])
/** Log statuses → video statuses (seed 000: "'success' → 'completed', 'failure' → 'failed'"). */
const VIDEO_STATUS_MAP: Readonly<Record<string, string>> = {
  success: 'completed',
  failure: 'failed',
  completed: 'completed',
  failed: 'failed',
  pending: 'pending',
}

class EntryError extends Error {}

/** wrongValue is the error for a value of the wrong kind (a plain function: this runs per value). */
function wrongValue(column: string, value: unknown, what: string): EntryError {
  return new EntryError(`${column} must be ${what}, got ${JSON.stringify(value)}`)
}

/** convert checks one value against its column kind and returns it in JavaScript form. */
function convert(column: string, kind: Kind, value: unknown, fromCsv: boolean): unknown {
  if (value === null || value === undefined || (fromCsv && value === '')) return null
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw wrongValue(column, value, 'text')
      return value
    case 'integer': {
      const n =
        fromCsv && typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
        throw wrongValue(column, value, 'a whole number ≥ 0')
      return n
    }
    case 'real': {
      const n = fromCsv && typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
        throw wrongValue(column, value, 'a number ≥ 0')
      return n
    }
    case 'timestamp':
      try {
        return parseTimestamp(value, column)
      } catch {
        throw wrongValue(column, value, 'a timestamp')
      }
  }
}

function assertFile(path: string, what: string): void {
  let ok = false
  try {
    ok = statSync(path).isFile()
  } catch {
    ok = false
  }
  if (!ok) throw new ValidationError(`${what} ${path} is not a readable file`, what)
}

/**
 * readUploads reads the image upload log: CSV with a header of `images` column names (any
 * subset, any order; `original_filename` required). The key is `original_filename`.
 */
export async function readUploads(path: string, onIssue: IssueHandler): Promise<SourceEntry[]> {
  assertFile(path, 'uploads')
  let entries: SourceEntry[] = []
  // Reported once the file is read (nothing is written before), in file order; a header error
  // reports those before it first.
  let issues: ImportIssue[] = []
  const flush = () => {
    for (const issue of issues.splice(0)) onIssue(issue)
  }
  let header: string[] | undefined
  let kinds: Kind[] = []
  const onRecord = (record: string[], line: number) => {
    if (!header) {
      header = readHeader(path, record, flush)
      kinds = header.map((column) => UPLOAD_COLUMNS[column]!)
      return
    }
    try {
      entries.push(uploadEntry(path, line, header, kinds, record))
    } catch (error) {
      if (!(error instanceof EntryError)) throw error
      issues.push({ table: 'images', file: path, line, message: error.message })
    }
  }
  await readCsvRecords(
    path,
    () => {
      entries = []
      issues = []
      header = undefined
      return onRecord
    },
    (line, message) => issues.push({ table: 'images', file: path, line, message }),
  )
  flush()
  if (!header)
    throw new ValidationError(`${path}: the upload log is empty (no header row)`, 'uploads')
  return entries
}

/** readHeader checks the upload log's header row and returns its column names. */
function readHeader(path: string, record: string[], flush: () => void): string[] {
  const header = record.map((h) => h.trim())
  const unknown = header.filter((h) => !(h in UPLOAD_COLUMNS))
  if (unknown.length > 0) {
    flush()
    throw new ValidationError(
      `${path}:1: unknown column ${unknown.join(', ')}; the header names images columns: ${Object.keys(UPLOAD_COLUMNS).join(', ')}`,
      'uploads',
    )
  }
  if (!header.includes('original_filename')) {
    flush()
    throw new ValidationError(`${path}:1: the header has no original_filename column`, 'uploads')
  }
  return header
}

/** uploadEntry reads one upload row (its columns `header`, of `kinds`), throwing EntryError. */
function uploadEntry(
  path: string,
  line: number,
  header: readonly string[],
  kinds: readonly Kind[],
  record: readonly string[],
): SourceEntry {
  if (record.length !== header.length) {
    throw new EntryError(`expected ${header.length} fields, got ${record.length}`)
  }
  const values: Record<string, unknown> = {}
  for (let i = 0; i < header.length; i++) {
    values[header[i]!] = convert(header[i]!, kinds[i]!, record[i], true)
  }
  const name = values.original_filename
  if (typeof name !== 'string' || name.trim() === '')
    throw new EntryError('original_filename is required')
  if (name === 'legacy_placeholder')
    throw new EntryError(
      'original_filename legacy_placeholder is reserved for the placeholder image',
    )
  if (
    values.status !== undefined &&
    values.status !== null &&
    !UPLOAD_STATUSES.has(values.status as string)
  ) {
    throw new EntryError(
      `unknown status ${JSON.stringify(values.status)}; expected success, failed or pending`,
    )
  }
  if (values.status === null) delete values.status
  return { file: path, line, key: name, values }
}

/**
 * readPrompts reads a folder of prompt JSON files, one prompt set per file: `prompts` columns
 * plus `image_filename`. The key is the file name. Other keys are ignored.
 */
export function readPrompts(dir: string, onIssue: IssueHandler): SourceEntry[] {
  let names: string[]
  try {
    names = readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith('.json'))
      .sort()
  } catch {
    throw new ValidationError(`prompts ${dir} is not a readable folder`, 'prompts')
  }
  const entries: SourceEntry[] = []
  for (const name of names) {
    const file = join(dir, name)
    const textContent = readFileSync(file, 'utf8')
    const lineOf = (key: string) => {
      const at = textContent.indexOf(`"${key}"`)
      return at < 0 ? 1 : textContent.slice(0, at).split('\n').length
    }
    let doc: unknown
    try {
      doc = JSON.parse(textContent)
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message)?.[1]
      const line = position ? textContent.slice(0, Number(position)).split('\n').length : 1
      onIssue({ table: 'prompts', file, line, message: `bad JSON: ${(error as Error).message}` })
      continue
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      onIssue({
        table: 'prompts',
        file,
        line: 1,
        message: 'a prompt file must hold one JSON object',
      })
      continue
    }
    const source = doc as Record<string, unknown>
    const values: Record<string, unknown> = {}
    let column = ''
    try {
      for (const [key, kind] of Object.entries(PROMPT_FILE_COLUMNS)) {
        column = key
        if (key in source) values[key] = convert(key, kind, source[key], false)
      }
      column = 'image_filename'
      const link = convert('image_filename', 'text', source.image_filename, false) as string | null
      entries.push({ file, line: 1, key: basename(name), values, imageFilename: link || undefined })
    } catch (error) {
      if (!(error instanceof EntryError)) throw error
      onIssue({ table: 'prompts', file, line: lineOf(column), message: error.message })
    }
  }
  return entries
}

/**
 * readVideos reads the video generation log, JSON Lines: `videos` columns plus `image_filename`
 * and `prompt_file` (links) and `status` success/failure; keys that are no column go into
 * `metadata`. The key is `file:<video_filename>`, or for an attempt without a file
 * `attempt:<prompt_file>|<image_filename>|<created_at>`.
 */
export async function readVideos(path: string, onIssue: IssueHandler): Promise<SourceEntry[]> {
  assertFile(path, 'videos')
  const entries: SourceEntry[] = []
  await eachLine(path, (raw, line) => {
    if (raw.trim() === '') return
    try {
      let doc: unknown
      try {
        doc = JSON.parse(raw)
      } catch (error) {
        throw new EntryError(`bad JSON: ${(error as Error).message}`)
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        throw new EntryError('a log line must be one JSON object')
      }
      entries.push(videoEntry(path, line, doc as Record<string, unknown>))
    } catch (error) {
      if (!(error instanceof EntryError)) throw error
      onIssue({ table: 'videos', file: path, line, message: error.message })
    }
  })
  return entries
}

/**
 * eachLine calls `onLine` with every line of the file at `path` and its number (from 1), read in
 * large chunks and cut at each `\n` (a `\r` before it is dropped): one call per line, with no
 * promise or event per line as `readline` has. A throwing `onLine` stops the read.
 */
async function eachLine(path: string, onLine: (text: string, line: number) => void): Promise<void> {
  let pending = ''
  let line = 0
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = pending + (chunk as string)
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      onLine(lineOf(text, start, end), ++line)
      start = end + 1
    }
    pending = text.slice(start)
  }
  if (pending !== '') onLine(lineOf(pending, 0, pending.length), ++line)
}

const CR = 13

/** The text from `start` to `end`, without a `\r` that ends it. */
function lineOf(text: string, start: number, end: number): string {
  return text.slice(start, end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end)
}

function videoEntry(file: string, line: number, doc: Record<string, unknown>): SourceEntry {
  const values: Record<string, unknown> = {}
  const metadata: Record<string, unknown> = {}
  for (const key in doc) {
    const value = doc[key]
    const kind = VIDEO_COLUMNS[key]
    if (kind) values[key] = convert(key, kind, value, false)
    else if (key === 'metadata') {
      if (value === null) continue
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw new EntryError(`metadata must be a JSON object, got ${JSON.stringify(value)}`)
      }
      Object.assign(metadata, value)
    } else metadata[key] = value
  }
  const status = values.status
  if (status === undefined || status === null)
    throw new EntryError('status is required (success or failure)')
  const mapped = VIDEO_STATUS_MAP[status as string]
  if (!mapped)
    throw new EntryError(`unknown status ${JSON.stringify(status)}; expected success or failure`)
  values.status = mapped
  const imageFilename = convert('image_filename', 'text', doc.image_filename, false) as
    string | null
  const promptFile = convert('prompt_file', 'text', doc.prompt_file, false) as string | null
  if (Object.keys(metadata).length > 0) values.metadata = metadata
  const filename = values.video_filename as string | null | undefined
  let key: string
  if (filename) key = `file:${filename}`
  else if (values.created_at instanceof Date) {
    key = `attempt:${promptFile ?? ''}|${imageFilename ?? ''}|${values.created_at.toISOString()}`
  } else {
    throw new EntryError('a line needs video_filename or created_at to identify it')
  }
  return {
    file,
    line,
    key,
    values,
    imageFilename: imageFilename || undefined,
    promptFile: promptFile || undefined,
  }
}
