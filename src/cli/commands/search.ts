import type { Command } from 'commander'
import Table from 'cli-table3'
import { searchStore, type TableMatches } from '../../core/index.js'
import { CliError, reportError } from '../output.js'
import { openReadOnly, selectStore } from '../stores.js'

interface SearchOptions {
  table?: string
  user?: string
  limit: string
  json?: boolean
}

const positive = (value: string, option: string): number => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(`${option} must be a positive whole number, got ${value}`, 2)
  }
  return n
}

/** A row as one line of text: its values that are text, shortened. */
function summary(row: Record<string, unknown>, width: number): string {
  const text = Object.entries(row)
    .filter(([k, v]) => k !== 'id' && typeof v === 'string' && !/_at$/.test(k))
    .map(([, v]) => v as string)
    .join(' · ')
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

function printTable(found: readonly TableMatches[]): void {
  const width = Math.max(40, (process.stdout.columns || 120) - 30)
  for (const { table, items } of found) {
    const out = new Table({ head: ['id', table], style: { head: [], border: [] } })
    for (const row of items) out.push([String(row.id), summary(row, width)])
    process.stdout.write(
      `${table}: ${items.length} match${items.length === 1 ? '' : 'es'}\n${items.length ? `${out.toString()}\n` : ''}`,
    )
  }
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description(
      'full-text search of a store’s searchable tables, best match first: words (all must ' +
        'appear), "a phrase", prefix* (docs/search.md); the store is opened read-only',
    )
    .argument('<store>', 'store name')
    .argument('<query>', 'what to look for')
    .option('--table <table>', 'search only this table')
    .option('--user <id>', 'only this user’s rows (tables with a user_id)')
    .option('--limit <n>', 'rows per table', '20')
    .option('--json', 'print JSON: [{ table, items, next }]')
    .action(async (name: string, query: string, options: SearchOptions) => {
      let code = 0
      try {
        const limit = positive(options.limit, '--limit')
        const userId = options.user === undefined ? undefined : positive(options.user, '--user')
        const store = await openReadOnly(selectStore(name))
        try {
          const found = await searchStore(store.db, store.definition, query, {
            table: options.table,
            limit,
            userId,
          })
          if (options.json) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`)
          else printTable(found)
        } finally {
          await store.close()
        }
      } catch (error) {
        code = reportError(error, options.json ?? false)
      }
      process.exitCode = code
    })
}
