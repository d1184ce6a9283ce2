import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'

/** One record's fields and the line it ends on (from 1, as csv-parse's `info.lines`). */
export type CsvRecordHandler = (record: string[], line: number) => void

/** A record csv-parse could not read (an unclosed quote …): where it ends and why. */
export type CsvUnreadableHandler = (line: number, message: string) => void

/**
 * readCsvRecords reads the CSV file at `path` as csv-parse does with `bom`,
 * `skip_empty_lines`, `relax_column_count` and `skip_records_with_error`, handing each record
 * to the handler `start()` returns. A plain file (`\n` or `\r\n` line ends throughout, quotes
 * only around whole fields) is read by a scanner of its own, several times faster than
 * csv-parse; at anything else the scanner stops and the file is read again by csv-parse, after
 * a second `start()`, so the caller forgets what the first read gave it. Records csv-parse
 * skips are handed to `onUnreadable`, between the records around them.
 */
export async function readCsvRecords(
  path: string,
  start: () => CsvRecordHandler,
  onUnreadable: CsvUnreadableHandler,
): Promise<void> {
  if (await readPlainCsv(path, start())) return
  await readWithCsvParse(path, start(), onUnreadable)
}

async function readWithCsvParse(
  path: string,
  onRecord: CsvRecordHandler,
  onUnreadable: CsvUnreadableHandler,
): Promise<void> {
  const parser = createReadStream(path).pipe(
    parse({
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
    }),
  )
  // Skipped records arrive as events; they are handed on from the loop, so that a throwing
  // handler unwinds the loop and not the parser.
  const unreadable: [number, string][] = []
  parser.on('skip', (error: Error & { lines?: number }) => {
    unreadable.push([error.lines ?? 0, error.message])
  })
  const flush = () => {
    for (const [line, message] of unreadable.splice(0)) onUnreadable(line, message)
  }
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[]
    info: { lines: number }
  }>) {
    flush()
    onRecord(record, info.lines)
  }
  flush()
}

const QUOTE = 34
const COMMA = 44
const LF = 10
const CR = 13
const BOM = 0xfeff
/** What UTF-8 decoding makes of a UTF-16 byte-order mark, which csv-parse reads as UTF-16. */
const REPLACEMENT = 0xfffd

/** Where the scanner stands between chunks: the next record's line and the file's line end. */
interface ScanState {
  line: number
  crlf: boolean | undefined
}

/** NOT_PLAIN: the scanner met something it leaves to csv-parse. */
const NOT_PLAIN = -1

/** readPlainCsv scans the file in large chunks; false when it is not plain (see above). */
async function readPlainCsv(path: string, onRecord: CsvRecordHandler): Promise<boolean> {
  const state: ScanState = { line: 1, crlf: undefined }
  let pending = ''
  let first = true
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })
  try {
    for await (const chunk of stream) {
      let text = pending + (chunk as string)
      if (first) {
        first = false
        if (text.charCodeAt(0) === REPLACEMENT) return false
        if (text.charCodeAt(0) === BOM) text = text.slice(1)
      }
      const done = scanRecords(text, false, state, onRecord)
      if (done === NOT_PLAIN) return false
      pending = text.slice(done)
    }
  } finally {
    stream.destroy()
  }
  return scanRecords(pending, true, state, onRecord) !== NOT_PLAIN
}

/**
 * scanRecords hands on every whole record of `text` and returns where the first incomplete one
 * starts (the end of `text` when `final`), or NOT_PLAIN. Line breaks inside a quoted field count
 * as lines, `\r` and `\n` one each, as csv-parse counts them.
 */
function scanRecords(text: string, final: boolean, state: ScanState, onRecord: CsvRecordHandler) {
  const end = text.length
  let pos = 0
  while (pos < end) {
    const recordStart = pos
    const fields: string[] = []
    let inner = 0
    let quoted = false
    for (;;) {
      let field = ''
      let at: number
      if (text.charCodeAt(pos) === QUOTE) {
        quoted = true
        let from = pos + 1
        for (;;) {
          const q = text.indexOf('"', from)
          if (q === -1 || (q + 1 === end && !final)) return final ? NOT_PLAIN : recordStart
          if (text.charCodeAt(q + 1) === QUOTE) {
            field += text.slice(from, q + 1)
            from = q + 2
            continue
          }
          field += text.slice(from, q)
          at = q + 1
          break
        }
        inner += lineBreaks(field)
      } else {
        at = pos
        while (at < end) {
          const c = text.charCodeAt(at)
          if (c === COMMA || c === LF || c === CR) break
          if (c === QUOTE) return NOT_PLAIN
          at++
        }
        field = text.slice(pos, at)
      }
      fields.push(field)
      if (at === end) {
        if (!final) return recordStart
        if (quoted || fields.length > 1 || field !== '') onRecord(fields, state.line + inner)
        return end
      }
      const c = text.charCodeAt(at)
      if (c === COMMA) {
        pos = at + 1
        continue
      }
      if (c !== LF && c !== CR) return NOT_PLAIN
      if (c === CR && at + 1 === end && !final) return recordStart
      const crlf = c === CR
      if (crlf && text.charCodeAt(at + 1) !== LF) return NOT_PLAIN
      if (state.crlf === undefined) state.crlf = crlf
      else if (state.crlf !== crlf) return NOT_PLAIN
      if (quoted || fields.length > 1 || field !== '') onRecord(fields, state.line + inner)
      state.line += inner + 1
      pos = at + (crlf ? 2 : 1)
      break
    }
  }
  return pos
}

function lineBreaks(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) n++
  return n
}
