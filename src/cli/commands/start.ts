import type { Command } from 'commander'
import { run } from '../output.js'
import { STORES } from '../../stores/registry.js'
import { isForeignDatabase, resolveStoreLocation } from '../../core/index.js'
import { checkStore, initStore, printReports, type InitReport } from './init.js'
import { refuseUnguardedHost, serveFromFlags } from './serve.js'

interface StartFlags {
  host: string
  port: string
  serve: boolean
  log?: boolean
  json?: boolean
}

/**
 * `genmedia start` is the main job (`npm start`): every store is created or migrated, sample data
 * is added to the stores that are empty, each store's state is printed, and the HTTP API and
 * dashboard are served.
 */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'create every store (with sample data when empty), show each store’s state, then serve',
    )
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--no-serve', 'stop after creating the stores')
    .option('--no-log', 'do not log each request')
    .option('--json', 'print the stores’ state as JSON')
    .action(
      run(async (flags: StartFlags) => {
        if (flags.serve) await refuseUnguardedHost(flags.host)
        const reports: InitReport[] = []
        for (const definition of STORES) {
          // A pipeline's own database is left for `genmedia adopt`, and said so.
          const { location } = resolveStoreLocation(definition)
          reports.push(
            (await isForeignDatabase(definition, location))
              ? await checkStore(definition)
              : await initStore(definition, { seed: true }),
          )
        }
        printReports(reports, flags)
        if (flags.serve) await serveFromFlags(flags)
      }),
    )
}
