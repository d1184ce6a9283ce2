import { MAX_PAGE_SIZE, Random, type SeedSummary } from '../../core/index.js'
import { SAMPLE_SOURCES, SAMPLE_VIDEOS } from '../content-studio-samples.js'
import type { NewTopic } from './inputs.js'
import type { TrendsRepository } from './repository.js'

const FRESH_TOPICS: [string, string][] = [
  ['Robot vacuum fails', 'technology'],
  ['Pickleball injuries', 'sports'],
  ['Office plant drama', 'work'],
  ['Vintage denim hunting', 'lifestyle'],
  ['Air fryer desserts', 'food'],
  ['Noise-cancelling everything', 'technology'],
  ['Speedrunning world records', 'gaming'],
  ['Four-day work week', 'work'],
  ['Tiny house parking', 'lifestyle'],
  ['Cat cafe etiquette', 'lifestyle'],
  ['Fermented hot sauce', 'food'],
  ['Foldable phones', 'technology'],
  ['Ice bath influencers', 'lifestyle'],
  ['Chess boxing', 'sports'],
  ['Desk treadmills', 'work'],
  ['Retro handheld consoles', 'gaming'],
]

/**
 * seedSampleData fills an empty trends store: the (now used) topics of the shared sample videos,
 * sixteen fresh unused topics from three sources over the last week, and the searches that
 * found them. Reproducible.
 */
export async function seedSampleData(repo: TrendsRepository): Promise<SeedSummary> {
  const rnd = new Random(2)
  const now = Date.now()
  const bySource = new Map<string, Omit<NewTopic, 'source'>[]>()
  const add = (source: string, topic: Omit<NewTopic, 'source'>) =>
    bySource.set(source, [...(bySource.get(source) ?? []), topic])
  for (const video of SAMPLE_VIDEOS) {
    add(rnd.pick(SAMPLE_SOURCES), {
      topic: video.topic,
      category: video.category,
      relevance_score: rnd.float(0.75, 0.98),
      metadata: { region: 'FR', rank: rnd.int(1, 20), video_id: video.video_id },
      timestamp: new Date(now - (video.created_days_ago + 1) * 86_400_000),
    })
  }
  for (const [topic, category] of FRESH_TOPICS) {
    add(rnd.pick(SAMPLE_SOURCES), {
      topic,
      category,
      relevance_score: rnd.float(0.3, 0.97),
      metadata: { region: rnd.pick(['FR', 'US', 'GB']), rank: rnd.int(1, 50) },
      timestamp: new Date(now - rnd.int(1, 7 * 24) * 3_600_000),
    })
  }
  let topicCount = 0
  for (const [source, list] of bySource) topicCount += await repo.recordTopics(source, list)
  for (const video of SAMPLE_VIDEOS) {
    const page = await repo.listTopics(
      { category: video.category, used: false },
      { limit: MAX_PAGE_SIZE },
    )
    const match = page.items.find((t) => t.topic === video.topic)
    if (match) await repo.markTopicUsed(match.id)
  }
  let searchCount = 0
  for (const [topic] of FRESH_TOPICS.slice(0, 10)) {
    await repo.recordSearch({
      query: topic.toLowerCase(),
      source: rnd.pick(SAMPLE_SOURCES),
      result_count: rnd.int(0, 250),
      timestamp: new Date(now - rnd.int(1, 6 * 24) * 3_600_000),
    })
    searchCount++
  }
  return { trending_topics: topicCount, search_history: searchCount }
}
