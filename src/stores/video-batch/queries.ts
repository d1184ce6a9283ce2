import {
  pageSize,
  paginate,
  type Page,
  type PageRequest,
  StoreRepository,
} from '../../core/index.js'
import {
  generatedImageRow,
  legacyPromptRow,
  originalImageRow,
  videoBatchTables,
  type CompletedVideoRow,
  type GeneratedImageRow,
  type ImageChainRow,
  type ImageLineage,
  type LegacyPromptRow,
  type LineageEntry,
  type OriginalImageRow,
  type UploadedImageRow,
  type VideoBatchTables,
  type VideoStatisticsRow,
} from './tables.js'

const { images } = videoBatchTables

/** How many generations a lineage walks at most: a guard against a cycle written by hand. */
export const MAX_LINEAGE_DEPTH = 1000

/**
 * VideoBatchQueries holds the seed's Common Queries (one method each) and the lineage query the
 * seed lacks. Lists the seed sorts by a nullable column return the first `limit` rows with NULLs
 * last on both engines; lists sorted by a timestamp or id are keyset pages.
 */
export class VideoBatchQueries extends StoreRepository<VideoBatchTables> {
  #p(index: number): string {
    return this.db.dialect.parameter(index)
  }

  /** #firstRows runs `query` (a seed query's text) for its first `limit` rows. */
  #firstRows<Row>(query: string, limit: number): Promise<Row[]> {
    return this.db.query<Row>(`${query}\nLIMIT ${this.#p(1)}`, [pageSize(limit)])
  }

  /**
   * Seed: "Get all completed videos with their prompts", slowest generation first. Each video is
   * paired with its own prompt set (`v.prompt_id`), not every prompt set of its image.
   */
  async listCompletedVideosWithPrompts(limit = 100): Promise<CompletedVideoRow[]> {
    return this.#firstRows<CompletedVideoRow>(
      `SELECT v.id AS video_id, i.descriptive_name, p.video_prompt, v.video_filename,
    v.generation_time_seconds, v.status
FROM videos v
JOIN images i ON i.id = v.image_id
LEFT JOIN prompts p ON p.id = v.prompt_id
WHERE v.status = 'completed'
ORDER BY v.generation_time_seconds DESC NULLS LAST, v.id DESC`,
      limit,
    )
  }

  /** Seed: "Get prompts without reference images (legacy)", by prompt id, as keyset pages. */
  async listLegacyPrompts(page: PageRequest = {}): Promise<Page<LegacyPromptRow>> {
    const q = this.k
      .selectFrom('prompts as p')
      .innerJoin('images as i', 'p.image_id', 'i.id')
      .select(['p.id', 'p.video_prompt', 'i.descriptive_name'])
      .where('i.descriptive_name', '=', 'Legacy System Migration')
    return paginate(
      q,
      { sortColumn: 'p.id', idColumn: 'p.id', direction: 'asc', ...page },
      legacyPromptRow,
    )
  }

  /**
   * Seed: "Get video generation statistics": count, mean time and mean size per status. Read
   * from video_status_totals, which triggers keep with every write of videos: the seed's
   * `GROUP BY` over every video took 480 ms at a million videos, this sums a few rows per status.
   * A mean is NULL where no video of the status has the value, as AVG's is.
   */
  async getVideoStatistics(): Promise<VideoStatisticsRow[]> {
    const rows = await this.db.query<VideoStatisticsRow>(`SELECT
    status,
    SUM(videos) AS count,
    CASE WHEN SUM(timed) = 0 THEN NULL ELSE SUM(time_sum) / SUM(timed) END AS avg_time,
    CASE WHEN SUM(sized) = 0 THEN NULL ELSE SUM(size_sum) * 1.0 / SUM(sized) END AS avg_size
FROM video_status_totals
GROUP BY status
HAVING SUM(videos) > 0
ORDER BY status`)
    return rows.map((r) => ({ ...r, count: Number(r.count) }))
  }

  /** Seed: "Get images with upload metadata": successful uploads, slowest first. */
  async listUploadedImages(limit = 100): Promise<UploadedImageRow[]> {
    return this.#firstRows<UploadedImageRow>(
      `SELECT i.id, i.descriptive_name, i.upload_url, i.file_size_bytes,
    i.processing_time_seconds, i.status
FROM images i
WHERE i.status = 'success'
ORDER BY i.processing_time_seconds DESC NULLS LAST, i.id DESC`,
      limit,
    )
  }

  /** Seed: "Get generated images with their origin images", newest first, as keyset pages. */
  async listGeneratedImagesWithOrigins(page: PageRequest = {}): Promise<Page<GeneratedImageRow>> {
    const q = this.k
      .selectFrom('images as generated')
      .innerJoin('images as original', 'generated.origin_image_id', 'original.id')
      .select([
        'generated.id',
        'generated.created_at',
        'generated.descriptive_name as generated_image',
        'original.descriptive_name as origin_image',
      ])
      // Implied by the join; stated so the partial index idx_images_derived_created applies.
      .where('generated.origin_image_id', 'is not', null)
    const result = await paginate(q, {
      sortColumn: 'generated.created_at',
      idColumn: 'generated.id',
      direction: 'desc',
      ...page,
    })
    // The cursor needs created_at; the seed's row calls it generation_date.
    const items = result.items.map(({ created_at, ...r }) => ({
      ...r,
      generation_date: created_at,
    }))
    return { items: generatedImageRow.codec.decodeAll(items), next: result.next }
  }

  /**
   * Seed: "Get image generation chains": images with at least one derivative, most first. The
   * seed's HAVING names the alias `derivatives_count`, which PostgreSQL refuses; the aggregate
   * itself is the same condition on both engines.
   */
  async getImageChains(): Promise<ImageChainRow[]> {
    const rows = await this.db.query<ImageChainRow>(`SELECT
    original.id as original_image_id,
    original.descriptive_name as original_image,
    COUNT(generated.id) as derivatives_count
FROM images original
LEFT JOIN images generated ON original.id = generated.origin_image_id
GROUP BY original.id, original.descriptive_name
HAVING COUNT(generated.id) > 0
ORDER BY derivatives_count DESC, original.id`)
    return rows.map((r) => ({ ...r, derivatives_count: Number(r.derivatives_count) }))
  }

  /** Seed: "Get all original images": successful, not derived, newest first, as keyset pages. */
  async listOriginalImages(page: PageRequest = {}): Promise<Page<OriginalImageRow>> {
    const q = this.k
      .selectFrom('images')
      .select(['id', 'descriptive_name', 'upload_url', 'status', 'created_at'])
      .where('status', '=', 'success')
      .where('origin_image_id', 'is', null)
    return paginate(q, { sortColumn: 'created_at', direction: 'desc', ...page }, originalImageRow)
  }

  /**
   * getImageLineage returns an image with its whole ancestry (parent first, up to the original)
   * and all its descendants (children first), walked with recursive CTEs on both engines. Each
   * step carries the whole row, found through the primary key (a parent) or
   * idx_images_origin_image_id (children): joining the walked ids back to images afterwards let
   * the planners, which cannot tell how few ids a recursive CTE yields, scan every image.
   * Throws NotFoundError for an unknown id.
   */
  async getImageLineage(id: number): Promise<ImageLineage> {
    const row = await this.rowWhere('images', 'id', id, `image ${id} does not exist`)
    const ancestors = await this.db.query<Record<string, unknown>>(
      `WITH RECURSIVE ancestry AS (
    SELECT parent.*, 1 AS depth FROM images child JOIN images parent ON parent.id = child.origin_image_id
    WHERE child.id = ${this.#p(1)}
    UNION ALL
    SELECT parent.*, a.depth + 1 FROM ancestry a JOIN images parent ON parent.id = a.origin_image_id
    WHERE a.depth < ${this.#p(2)}
)
SELECT * FROM ancestry ORDER BY depth`,
      [id, MAX_LINEAGE_DEPTH],
    )
    const descendants = await this.db.query<Record<string, unknown>>(
      `WITH RECURSIVE descent AS (
    SELECT child.*, 1 AS depth FROM images child WHERE child.origin_image_id = ${this.#p(1)}
    UNION ALL
    SELECT child.*, d.depth + 1 FROM descent d JOIN images child ON child.origin_image_id = d.id
    WHERE d.depth < ${this.#p(2)}
)
SELECT * FROM descent ORDER BY depth, id`,
      [id, MAX_LINEAGE_DEPTH],
    )
    return {
      image: images.codec.decode(row),
      ancestors: distinctEntries(ancestors, id),
      descendants: distinctEntries(descendants, id),
    }
  }
}

/** distinctEntries decodes lineage rows, keeping each image once (at its nearest depth). */
function distinctEntries(rows: Record<string, unknown>[], self: number): LineageEntry[] {
  const seen = new Set<number>([self])
  const out: LineageEntry[] = []
  for (const raw of rows) {
    const entry = images.codec.decode(raw) as LineageEntry
    if (seen.has(entry.id)) continue
    seen.add(entry.id)
    out.push({ ...entry, depth: Number(entry.depth) })
  }
  return out
}
