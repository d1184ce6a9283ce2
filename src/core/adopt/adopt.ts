import { backupStore } from '../backup/backup.js'
import type { BackupTarget } from '../backup/targets.js'
import { storeLocationFrom, type Env } from '../config.js'
import { Database } from '../database.js'
import { engineFor } from '../engines/index.js'
import type { StoreDefinition } from '../store.js'
import { expectedSchemas, planAdoption, type AdoptionPlan } from './plan.js'
import { AdoptionRefusedError, rebuild, type RebuildOutcome, type RejectedRow } from './rebuild.js'

export interface AdoptOptions {
  /** The store's location; default: resolved from `env`. */
  location?: string
  env?: Env
  cwd?: string
  /** Rehearse on a copy (or in a rolled-back transaction) and change nothing. */
  dryRun?: boolean
  /** Move rows that break genmedia's constraints to `<table>_set_aside` instead of refusing. */
  setAside?: boolean
  /** Where the backup goes; default `<GENMEDIA_DATA_DIR>/backups`. */
  backupTarget?: BackupTarget
}

/**
 * AdoptResult is what adopt found and did: `adopted`, `rehearsed` (dry run: it would adopt),
 * `nothing to do` (no database, an empty one, or one genmedia made), or `refused` (nothing
 * changed; `problems` and `rejected` say why).
 */
export interface AdoptResult {
  plan: AdoptionPlan
  status: 'adopted' | 'rehearsed' | 'nothing to do' | 'refused'
  /** The backup taken first (its file name), where one was. */
  backup: string | null
  before: Record<string, number>
  after: Record<string, number>
  setAside: RejectedRow[]
  rejected: RejectedRow[]
  replaced: string[]
  problems: string[]
  schemaVersion: number | null
}

/**
 * adoptStore takes over a database that a seed's own scripts made: it plans (planAdoption),
 * then, unless refused or a dry run, takes a verified backup under `backups/<store>/` and
 * rebuilds the database to genmedia's latest schema in one transaction that verifies itself
 * before it commits (rebuild). A failure rolls the transaction back: the database is the
 * original; the backup stays. A dry run does all of it on a copy (SQLite) or in a transaction
 * it rolls back (PostgreSQL).
 */
export async function adoptStore(
  definition: StoreDefinition,
  options: AdoptOptions = {},
): Promise<AdoptResult> {
  const location = storeLocationFrom(definition, options)
  const expected = await expectedSchemas(definition, location)
  const plan = await planAdoption(definition, location, expected)
  const result: AdoptResult = {
    plan,
    status: 'nothing to do',
    backup: null,
    before: {},
    after: {},
    setAside: [],
    rejected: [],
    replaced: [],
    problems: [...plan.problems],
    schemaVersion: null,
  }
  if (plan.status === 'refused') return { ...result, status: 'refused' }
  if (plan.status !== 'adoptable') return result
  const { adoption } = engineFor(location).engine
  const rehearsal = options.dryRun ? await adoption.rehearsal(location) : undefined
  try {
    if (!options.dryRun) {
      // On SQLite the backup is the online backup API's page-for-page copy: quick_check reads
      // every page of it and walks every b-tree, which finds a page lost, torn or misplaced in
      // writing it. Matching each index entry with its row (integrity_check, three quarters of
      // the backup's time on a million rows) would test the original's indexes, copied as they
      // are, which the rebuild replaces with indexes made from the rows; `genmedia backups`
      // and a restore check the backup in full.
      const backup = await backupStore(definition, {
        location,
        target: options.backupTarget,
        env: options.env,
        cwd: options.cwd,
        pagesOnly: true,
      })
      result.backup = backup.manifest.file
    }
    const outcome = await transform(
      definition,
      rehearsal?.location ?? location,
      plan,
      !options.dryRun || rehearsal !== undefined,
      options.setAside ?? false,
    )
    return {
      ...result,
      ...outcome,
      status: options.dryRun ? 'rehearsed' : 'adopted',
      schemaVersion: plan.latestVersion,
    }
  } catch (error) {
    if (!(error instanceof AdoptionRefusedError)) throw error
    return { ...result, status: 'refused', problems: error.problems, rejected: error.rejected }
  } finally {
    await rehearsal?.dispose()
  }
}

/** Thrown inside the transaction of a dry run without a copy, so that it rolls back. */
class RollBack extends Error {
  constructor(readonly outcome: RebuildOutcome) {
    super('dry run')
  }
}

async function transform(
  definition: StoreDefinition,
  location: string,
  plan: AdoptionPlan,
  commit: boolean,
  setAside: boolean,
): Promise<RebuildOutcome> {
  const db = await Database.open(location, {
    schema: definition.schema,
    columnsByConstraint: definition.columnsByConstraint,
    poolSize: 1,
  })
  const adoption = db.engineImpl.adoption
  try {
    for (const statement of adoption.before) await db.query(statement)
    try {
      return await db.transaction(async (trx) => {
        const outcome = await rebuild(db, trx, adoption, plan, definition.migrations, { setAside })
        if (!commit) throw new RollBack(outcome)
        return outcome
      })
    } catch (error) {
      if (error instanceof RollBack) return error.outcome
      throw error
    } finally {
      for (const statement of adoption.after) await db.query(statement)
    }
  } finally {
    await db.close()
  }
}
