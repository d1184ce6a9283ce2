import type { StoreAdoption } from '../../core/index.js'

/**
 * trendsAdoption recognises seed 002's trends.db, before or after the guide's
 * `migrate_v1_to_v2` (the `priority` column, which genmedia keeps as the user's own).
 */
export const trendsAdoption: StoreAdoption = {
  async recognise({ tables }) {
    const topics = tables.find((t) => t.name === 'trending_topics')
    const priority = topics?.columns.some((c) => c.name === 'priority') ?? false
    return { shape: priority ? 'trends.db after migrate_v1_to_v2 (priority)' : 'trends.db' }
  },
}
