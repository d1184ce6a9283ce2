import type { Command } from 'commander'
import { redactLocation, resolveStoreLocation } from '../../core/index.js'
import { printJson, printTable, run } from '../output.js'
import { STORES } from '../../stores/registry.js'

export function registerStores(program: Command): void {
  program
    .command('stores')
    .description('list the stores genmedia ships and where each one lives')
    .option('--json', 'print JSON')
    .action(
      run(async (options: { json?: boolean }) => {
        const rows = STORES.map((s) => {
          const { location, source } = resolveStoreLocation(s)
          return {
            store: s.name,
            seed: s.seed,
            description: s.description,
            location: redactLocation(location),
            source,
            tables: s.tables,
          }
        })
        if (options.json) printJson(rows)
        else {
          printTable(rows, {
            store: (r) => r.store,
            seed: (r) => r.seed,
            location: (r) => r.location,
            'set by': (r) => r.source,
            holds: (r) => r.description,
          })
        }
      }),
    )
}
