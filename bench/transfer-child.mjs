/**
 * One measured operation of figure 10 in a process of its own, so that its peak RSS is its own,
 * run as users run genmedia: the compiled package in dist/ (the figure builds it first).
 * `copy FROM TO`, `export LOCATION TABLE` (NDJSON to /dev/null) or `raw-export FILE TABLE`
 * (better-sqlite3's iterate and JSON.stringify, the floor), or `idle` (genmedia loaded, nothing
 * done: the RSS every child starts from). Prints `{rows, seconds, peakRssMb}`.
 */
import { createWriteStream, readFileSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { aiArtistStore, copyStore, exportTables, openStore } from '../dist/index.js'

async function main() {
  const [op, a, b] = process.argv.slice(2)
  const started = performance.now()
  let rows = 0
  if (op === 'copy') {
    rows = (await copyStore(aiArtistStore, { from: a, to: b, replace: true })).rows
  } else if (op === 'export') {
    const store = await openStore(aiArtistStore, { location: a, readOnly: true })
    const out = createWriteStream('/dev/null')
    const [done] = await exportTables(store.db, aiArtistStore, {
      tables: [b],
      format: 'ndjson',
      open: () => out,
    })
    rows = done.rows
    await store.close()
  } else if (op === 'raw-export') {
    const db = new BetterSqlite3(a, { readonly: true })
    const out = createWriteStream('/dev/null')
    let text = ''
    for (const row of db.prepare(`SELECT * FROM ${b} ORDER BY id`).iterate()) {
      text += `${JSON.stringify(row)}\n`
      rows++
      if (rows % 1000 === 0) {
        if (!out.write(text)) await new Promise((r) => out.once('drain', () => r()))
        text = ''
      }
    }
    out.write(text)
    db.close()
  } else if (op !== 'idle') throw new Error(`unknown operation ${op}`)
  const seconds = (performance.now() - started) / 1000
  const peakRssMb = peakRssKb() / 1024
  process.stdout.write(`${JSON.stringify({ rows, seconds, peakRssMb })}\n`)
}

/**
 * The peak resident memory of this process alone. getrusage's maxRSS (process.resourceUsage)
 * is kept across exec on Linux: a child started by a bench process of 1 GB reports 1 GB before
 * doing anything. The kernel's high-water mark of this process's own memory (VmHWM) is not.
 */
function peakRssKb() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status)
    if (hwm) return Number(hwm[1])
  } catch {
    // Not Linux: getrusage's figure, which holds there.
  }
  return process.resourceUsage().maxRSS
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`)
  process.exit(1)
})
