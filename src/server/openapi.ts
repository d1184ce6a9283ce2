import { z } from 'zod'
import type { ApiRoute, StoreDefinition } from '../core/index.js'

type JsonSchema = Record<string, unknown>

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string', description: 'the offending field, for 400' },
      },
    },
  },
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  delete json.$schema
  return json
}

/** The OpenAPI path of a route: `/api/<store>/images/{id}`. */
export function openApiPath(store: string, route: ApiRoute): string {
  return `/api/${store}${route.path.replace(/:(\w+)/g, '{$1}')}`
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return []
  const json = toSchema(schema, 'output')
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((json.required as string[] | undefined) ?? [])
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (required.has(name) && !('default' in s)),
    schema: s,
  }))
}

const ERROR_RESPONSES = {
  '400': 'bad input; `field` names it',
  '401': 'no valid API token',
  '403': 'the token may not use this route',
  '404': 'not found',
  '409': 'conflicts with the current state',
}

function successOf(route: ApiRoute): Record<string, unknown> {
  if (route.produces) return { description: 'success', content: { [route.produces]: {} } }
  if (!route.response) return { description: 'success, no content' }
  return {
    description: 'success',
    content: { 'application/json': { schema: toSchema(route.response, 'output') } },
  }
}

/**
 * buildOpenApi describes every route of every store, plus the server's own routes, as an
 * OpenAPI 3.1 document generated from the same zod schemas that validate the requests.
 */
export function buildOpenApi(
  stores: readonly StoreDefinition[],
  version: string,
  extra: Record<string, Record<string, unknown>> = {},
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = { ...extra }
  for (const store of stores) {
    for (const route of store.api ?? []) {
      const path = openApiPath(store.name, route)
      const status = String(route.status ?? 200)
      const responses: Record<string, unknown> = {
        [status]: successOf(route),
        ...(route.produces ? { '304': { description: 'not modified (If-None-Match)' } } : {}),
      }
      for (const [code, description] of Object.entries(ERROR_RESPONSES)) {
        responses[code] = {
          description,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        }
      }
      paths[path] ??= {}
      paths[path][route.method.toLowerCase()] = {
        tags: [store.name],
        summary: route.summary,
        operationId: `${store.name}:${route.method.toLowerCase()}:${route.path}`,
        parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
        ...(route.body
          ? {
              requestBody: {
                required: !route.body.safeParse(undefined).success,
                content: { 'application/json': { schema: toSchema(route.body, 'input') } },
              },
            }
          : {}),
        responses,
      }
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'genmedia',
      version,
      description:
        'Every genmedia store over JSON. Lists are keyset-paginated: pass `next` as `after`.',
    },
    servers: [{ url: '/' }],
    tags: stores.map((s) => ({ name: s.name, description: s.description })),
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema },
    },
    paths,
  }
}
