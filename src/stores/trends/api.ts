import { z } from 'zod'
import { batchOf, routesFor, idParams, limitQuery, type ApiRoute } from '../../core/index.js'
import {
  newSearchSchema,
  newTopicSchema,
  searchList,
  takeOptionsSchema,
  topicList,
} from './inputs.js'
import type { TrendsRepository } from './repository.js'
import { topicsBySource, trendsTables as tables, unusedTopic } from './tables.js'

const route = routesFor<TrendsRepository>()

/** The trends store over HTTP, under /api/trends. */
export const trendsApi: ApiRoute<TrendsRepository>[] = [
  route.list({
    path: '/topics',
    summary: 'List topics newest first, by source, category or used flag, by keyset page',
    list: topicList,
    handler: ({ repo }, filter, page, options) => repo.listTopics(filter, page, options),
  }),
  route.get('/topics/:id', 'Get one topic', tables.trending_topics.row, (repo, id) =>
    repo.getTopic(id),
  ),
  route.create(
    '/topics',
    'Record one trending topic (unused)',
    newTopicSchema,
    tables.trending_topics.row,
    (repo, body) => repo.recordTopic(body),
  ),
  route({
    method: 'POST',
    path: '/topics/batch',
    summary: 'Record the topics one source reported, all or nothing',
    body: z.strictObject({
      source: newTopicSchema.shape.source,
      topics: batchOf(newTopicSchema.partial({ source: true })),
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
    response: z.array(tables.trending_topics.row),
    handler: ({ repo, body }) => repo.takeTopics(body ?? {}),
  }),
  route({
    method: 'POST',
    path: '/topics/:id/use',
    summary: 'Mark a topic used (or unused again with {"used": false})',
    params: idParams,
    body: z.strictObject({ used: z.boolean().optional() }).optional(),
    response: tables.trending_topics.row,
    handler: ({ repo, params, body }) => repo.markTopicUsed(params.id, body?.used ?? true),
  }),
  route({
    method: 'GET',
    path: '/queries/unused-topics',
    summary: 'Seed: the most relevant unused topics (without marking them)',
    query: limitQuery(5),
    response: z.array(unusedTopic.row),
    handler: ({ repo, query }) => repo.listUnusedTopics(query.limit),
  }),
  route({
    method: 'GET',
    path: '/queries/topics-by-source',
    summary: 'Topics per source: how many in all and how many unused',
    response: z.array(topicsBySource.row),
    handler: ({ repo }) => repo.countTopicsBySource(),
  }),
  route.list({
    path: '/searches',
    summary: 'List searches newest first, optionally of one exact query, by keyset page',
    list: searchList,
    handler: ({ repo }, filter, page) => repo.listSearches(filter, page),
  }),
  route.create(
    '/searches',
    'Record a search made to find trends',
    newSearchSchema,
    tables.search_history.row,
    (repo, body) => repo.recordSearch(body),
  ),
]
