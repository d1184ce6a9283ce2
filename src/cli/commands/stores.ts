import type { Command } from 'commander'
import { redactLocation, resolveStoreLocation } from '../../core/index.js'
import { engineFor } from '../../core/engines/index.js'
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
          const { engine, location: parsed } = engineFor(location)
          return {
            store: s.name,
            seed: s.seed,
            description: s.description,
            location: redactLocation(location),
            // Where stores share one database (PostgreSQL), each lives in a schema of its own.
            schema: engine.sharesLocation ? (parsed.schema ?? s.schema) : null,
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
            ...(rows.some((r) => r.schema)
              ? { schema: (r: (typeof rows)[number]) => r.schema }
              : {}),
            'set by': (r) => r.source,
            holds: (r) => r.description,
          })
        }
      }),
    )
}
