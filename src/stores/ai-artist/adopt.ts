import type { StoreAdoption } from '../../core/index.js'

/** Seed 004's Alembic revisions and the genmedia versions they match (002: diversity_score). */
const REVISIONS: Readonly<Record<string, number>> = { '001': 1, '002': 2 }

/**
 * aiArtistAdoption recognises seed 004's SQLAlchemy/Alembic database by its `alembic_version`
 * row: revision 001 is genmedia's version 1, revision 002 (`diversity_score`) version 2.
 * `alembic_version` itself is kept, so Alembic still knows where the database is.
 */
export const aiArtistAdoption: StoreAdoption = {
  async recognise({ tables, query }) {
    if (!tables.some((t) => t.name === 'alembic_version')) return { shape: 'seed 004 (no Alembic)' }
    const rows = await query<{ version_num: string }>('SELECT version_num FROM alembic_version')
    const revision = rows[0]?.version_num
    if (revision === undefined) return { shape: 'seed 004, Alembic without a revision' }
    const version = REVISIONS[revision]
    if (version === undefined) {
      return {
        shape: `Alembic revision ${revision}`,
        problems: [
          `alembic_version: revision ${revision} is not one of seed 004's (${Object.keys(REVISIONS).join(', ')})`,
        ],
      }
    }
    return { shape: `Alembic revision ${revision}`, version }
  },
}
