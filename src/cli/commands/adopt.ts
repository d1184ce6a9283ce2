import type { Command } from 'commander'
import {
  adoptStore,
  resolveStoreLocation,
  SET_ASIDE_SUFFIX,
  type AdoptResult,
  type StoreDefinition,
} from '../../core/index.js'
import { printJson, printTable, run } from '../output.js'
import { selectStores } from '../stores.js'

interface AdoptOptions {
  dryRun?: boolean
  setAside?: boolean
  json?: boolean
}

export function registerAdopt(program: Command): void {
  program
    .command('adopt')
    .description(
      'take over a database a pipeline made for itself (the seed’s own scripts): keep every row, ' +
        'bring it to genmedia’s latest schema in place, after a verified backup under backups/<store>/. ' +
        'Without STORE: every store whose location holds a database genmedia did not create. ' +
        'Exits 1 when a database is refused (nothing is changed then). See docs/adopt.md.',
    )
    .argument('[stores...]', 'store names (default: every store with such a database)')
    .option('--dry-run', 'say what adopt would find and do, and change nothing')
    .option(
      '--set-aside',
      `move rows that break a constraint genmedia adds into <table>${SET_ASIDE_SUFFIX} tables (kept, listed) instead of refusing the store`,
    )
    .option('--json', 'print JSON instead of tables')
    .action(
      run(async (names: string[], options: AdoptOptions) => {
        const results: AdoptResult[] = []
        for (const definition of selectStores(names)) {
          const result = await adoptStore(definition, {
            dryRun: options.dryRun,
            setAside: options.setAside,
          })
          if (names.length === 0 && result.status === 'nothing to do') continue
          results.push(result)
          if (!options.json) print(definition, result)
        }
        if (options.json) printJson(results)
        else if (results.length === 0) {
          process.stdout.write(
            'nothing to adopt: every store is genmedia’s own, empty or missing\n',
          )
        }
        return results.some((r) => r.status === 'refused') ? 1 : 0
      }),
    )
}

function print(definition: StoreDefinition, result: AdoptResult): void {
  const { plan } = result
  const where = resolveStoreLocation(definition).location
  const head = {
    adopted: `adopted (now at version ${result.schemaVersion}; backup ${result.backup})`,
    rehearsed: 'can be adopted (dry run: nothing changed)',
    refused: 'refused: nothing changed',
    'nothing to do': `nothing to do (${describePlan(plan.status)})`,
  }[result.status]
  process.stdout.write(
    `${definition.name} at ${where}: ${plan.shape ?? ''}${plan.shape ? ', ' : ''}${head}\n`,
  )
  if (plan.tables.length > 0 && plan.status !== 'refused') {
    printTable(plan.tables, {
      table: (t) => t.table,
      before: (t) => (t.present ? t.rows : 'created'),
      after: (t) => result.after[t.table] ?? '',
      'genmedia adds': (t) => t.added.join(', '),
      kept: (t) => t.kept.join(', '),
    })
  }
  if (plan.status === 'adoptable' && plan.baseVersion < plan.latestVersion) {
    process.stdout.write(
      `matches genmedia version ${plan.baseVersion}; migrations ${plan.baseVersion + 1}..${plan.latestVersion} run after\n`,
    )
  }
  if (plan.keptObjects.length > 0) process.stdout.write(`kept: ${plan.keptObjects.join(', ')}\n`)
  if (result.replaced.length > 0)
    process.stdout.write(`replaced by genmedia's own: ${result.replaced.join(', ')}\n`)
  if (plan.otherTables.length > 0)
    process.stdout.write(`other tables, left alone: ${plan.otherTables.join(', ')}\n`)
  for (const row of result.setAside) {
    process.stdout.write(
      `set aside to ${row.table}${SET_ASIDE_SUFFIX}: ${row.table} ${row.key}${row.column ? ` (${row.column})` : ''}: ${row.problem}\n`,
    )
  }
  for (const problem of result.problems) process.stderr.write(`${definition.name}: ${problem}\n`)
}

function describePlan(status: string): string {
  return status === 'genmedia'
    ? 'genmedia made this database'
    : status === 'empty'
      ? 'the database is empty'
      : 'no database'
}
