import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, describe, expect, it } from 'vitest'
import { readCsvRecords } from '../../../src/stores/video-batch/import-csv.js'

const dir = mkdtempSync(join(tmpdir(), 'genmedia-csv-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** What csv-parse gives for `text` with the importer's options: records with lines, skipped lines. */
function reference(text: string) {
  const skipped: number[] = []
  const records = (
    (parse as (input: Buffer, options: object) => unknown)(Buffer.from(text), {
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error: unknown) =>
        void skipped.push((error as { lines?: number } | undefined)?.lines ?? 0),
    }) as { record: string[]; info: { lines: number } }[]
  ).map(({ record, info }) => [record, info.lines])
  return { records, skipped }
}

/** What readCsvRecords gives for `text`, and how many reads it started. */
async function read(text: string) {
  const path = join(dir, `f${++n}.csv`)
  writeFileSync(path, text)
  let records: [string[], number][] = []
  let skipped: number[] = []
  let reads = 0
  await readCsvRecords(
    path,
    () => {
      reads++
      records = []
      skipped = []
      return (record, line) => void records.push([record, line])
    },
    (line) => void skipped.push(line),
  )
  return { records, skipped, reads }
}

describe('readCsvRecords', () => {
  // [what, text, reads]: 1 where its own scanner reads the file, 2 where it leaves it to csv-parse.
  const cases: [string, string, number][] = [
    ['\\n line ends', 'a,b\nc,d\ne,f\n', 1],
    ['\\r\\n line ends', 'a,b\r\nc,d\r\ne,f\r\n', 1],
    ['no line end at the end', 'a,b\nc,d', 1],
    ['empty lines skipped, counted', 'a,b\n\n\nc,d\n\ne,f', 1],
    ['a byte-order mark', '\ufeffa,b\nc,d\n', 1],
    ['quoted fields, doubled quotes', 'a,b\n"x, ""y""",z\n"",""\n', 1],
    ['line breaks inside quotes', 'a,b\n"one\ntwo",c\nd,"x\r\ny"\ne,f\n', 1],
    ['quoted fields with \\r\\n ends', 'a,b\r\n"p\nq","r"\r\nlast,"z"', 1],
    ['empty fields and short rows', 'a,b,c\n,,\nx\n,\n', 1],
    ['only a header', 'a,b\n', 1],
    ['nothing', '', 1],
    ['an unclosed quote', 'a,b\nc,d\n"e,f\ng,h\n', 2],
    ['a quote inside a field', 'a,b\nc"x,d\ne,f\n', 2],
    ['text after a closing quote', 'a,b\n"c"x,d\ne,f\n', 2],
    ['mixed line ends', 'a,b\r\nc,d\ne,f\r\n', 2],
    ['\\r line ends', 'a,b\rc,d\re,f\r', 2],
  ]
  it.each(cases)('reads %s as csv-parse does ', async (_, text, reads) => {
    const got = await read(text)
    expect(got.reads).toBe(reads)
    expect({ records: got.records, skipped: got.skipped }).toEqual(reference(text))
  })

  it('reads records that cross its chunks as csv-parse does', async () => {
    const rows = ['id,text,note']
    for (let i = 0; i < 100_000; i++) {
      const text = i % 3 === 0 ? `"row ${i}, ""quoted""\nsecond line"` : `row ${i}`
      rows.push(`${i},${text},${'é'.repeat(i % 7)}`)
      if (i % 1000 === 0) rows.push('')
    }
    const text = `${rows.join('\r\n')}\r\n`
    expect(text.length).toBeGreaterThan(2 * (1 << 20))
    const got = await read(text)
    expect(got.reads).toBe(1)
    expect({ records: got.records, skipped: got.skipped }).toEqual(reference(text))
  })
})
