import { z } from 'zod'
import {
  routesFor,
  idParams,
  isoTimestamp,
  jsonObject,
  pageOf,
  pageQuery,
  type ApiRoute,
} from '../../core/index.js'
import {
  newSearchSchema,
  newTopicSchema,
  takeOptionsSchema,
  type TrendsRepository,
} from './repository.js'

export const trendingTopicSchema = z.object({
  id: z.number().int(),
  topic: z.string(),
  source: z.string(),
  timestamp: isoTimestamp,
  relevance_score: z.number().min(0).max(1),
  used_flag: z.union([z.literal(0), z.literal(1)]).describe('0 = unused, 1 = used'),
  category: z.string().nullable(),
  metadata: jsonObject.nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
})

export const searchRecordSchema = z.object({
  id: z.number().int(),
  query: z.string(),
  source: z.string().nullable(),
  result_count: z.number().int(),
  timestamp: isoTimestamp,
})

const topicListQuery = pageQuery.extend({
  source: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  used: z.stringbool().optional(),
})

const route = routesFor<TrendsRepository>()

/** The trends store over HTTP, under /api/trends. */
export const trendsApi: ApiRoute<TrendsRepository>[] = [
  route({
    method: 'GET',
    path: '/topics',
    summary: 'List topics newest first, by source, category or used flag, by keyset page',
    query: topicListQuery,
    response: pageOf(trendingTopicSchema),
    handler: ({ repo, query: { after, limit, ...filter } }) =>
      repo.listTopics(filter, { after, limit }),
  }),
  route({
    method: 'GET',
    path: '/topics/:id',
    summary: 'Get one topic',
    params: idParams,
    response: trendingTopicSchema,
    handler: ({ repo, params }) => repo.getTopic(params.id),
  }),
  route({
    method: 'POST',
    path: '/topics',
    summary: 'Record one trending topic (unused)',
    body: newTopicSchema,
    response: trendingTopicSchema,
    status: 201,
    handler: ({ repo, body }) => repo.recordTopic(body),
  }),
  route({
    method: 'POST',
    path: '/topics/batch',
    summary: 'Record the topics one source reported, all or nothing',
    body: z.strictObject({
      source: z.string().trim().min(1),
      topics: z
        .array(newTopicSchema.partial({ source: true }))
        .min(1)
        .max(10_000),
    }),
    response: z.object({ recorded: z.number().int() }),
    status: 201,
    handler: async ({ repo, body }) => ({
      recorded: await repo.recordTopics(body.source, body.topics),
    }),
  }),
  route({
    method: 'POST',
    path: '/topics/take',
    summary:
      'Take the most relevant unused recent topics and mark them used, atomically: two callers never get the same topic',
    body: takeOptionsSchema.optional(),
    response: z.array(trendingTopicSchema),
    handler: ({ repo, body }) => repo.takeTopics(body ?? {}),
  }),
  route({
    method: 'POST',
    path: '/topics/:id/use',
    summary: 'Mark a topic used (or unused again with {"used": false})',
    params: idParams,
    body: z.strictObject({ used: z.boolean().optional() }).optional(),
    response: trendingTopicSchema,
    handler: ({ repo, params, body }) => repo.markTopicUsed(params.id, body?.used ?? true),
  }),
  route({
    method: 'GET',
    path: '/queries/unused-topics',
    summary: 'Seed: the most relevant unused topics (without marking them)',
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(5) }),
    response: z.array(z.object({ topic: z.string(), relevance_score: z.number() })),
    handler: ({ repo, query }) => repo.listUnusedTopics(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/topics-by-source',
    summary: 'Topics per source: how many in all and how many unused',
    response: z.array(
      z.object({ source: z.string(), total: z.number().int(), unused: z.number().int() }),
    ),
    handler: ({ repo }) => repo.countTopicsBySource(),
  }),
  route({
    method: 'GET',
    path: '/searches',
    summary: 'List searches newest first, optionally of one exact query, by keyset page',
    query: pageQuery.extend({ query: z.string().min(1).optional() }),
    response: pageOf(searchRecordSchema),
    handler: ({ repo, query: { after, limit, ...filter } }) =>
      repo.listSearches(filter, { after, limit }),
  }),
  route({
    method: 'POST',
    path: '/searches',
    summary: 'Record a search made to find trends',
    body: newSearchSchema,
    response: searchRecordSchema,
    status: 201,
    handler: ({ repo, body }) => repo.recordSearch(body),
  }),
]
