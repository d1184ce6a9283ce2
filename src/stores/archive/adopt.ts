import type { StoreAdoption } from '../../core/index.js'

/** Seed 003's `db_version` values and the genmedia versions they match (2.0: ai_scene_grouping). */
const DB_VERSIONS: Readonly<Record<string, number>> = { '1.0': 1, '2.0': 2 }

/**
 * archiveAdoption recognises seed 003's state database by `app_settings.db_version` (1.0, or
 * 2.0 after `migrate_to_version_2` added `ai_scene_grouping`); without that row it is the
 * schema document's database as first created.
 */
export const archiveAdoption: StoreAdoption = {
  async recognise({ tables, query }) {
    if (!tables.some((t) => t.name === 'app_settings')) return { shape: 'seed 003' }
    const rows = await query<{ value: string }>(
      "SELECT value FROM app_settings WHERE key = 'db_version'",
    )
    const value = rows[0]?.value
    if (value === undefined) return { shape: 'seed 003 (no db_version)' }
    const version = DB_VERSIONS[value]
    if (version === undefined) {
      return {
        shape: `db_version ${value}`,
        problems: [
          `app_settings.db_version: ${value} is not one of seed 003's (${Object.keys(DB_VERSIONS).join(', ')})`,
        ],
      }
    }
    return { shape: `db_version ${value}`, version }
  },
}
