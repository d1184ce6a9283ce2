import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import {
  EXPORT_FORMATS,
  exportTables,
  NotFoundError,
  tableNamesOf,
  type ExportFormat,
  type OpenStore,
  type StoreDefinition,
} from '../core/index.js'
import type { Authenticator } from './auth.js'
import { HttpError } from './errors.js'

const MEDIA_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
}

/**
 * scopeOf returns the conditions an export by `actor` runs under: none for an admin; for a user
 * token, the store's `exportScope` of that user (403 where the store has no users, 404 for a
 * table the user has no rows in).
 */
function scopeOf(
  definition: StoreDefinition,
  table: string,
  actor: { userId: number | null; admin: boolean },
): Readonly<Record<string, string>> | undefined {
  if (actor.admin) return undefined
  if (!definition.exportScope || actor.userId === null) {
    throw new HttpError(403, 'forbidden', `exporting ${definition.name} needs an admin token`)
  }
  const scope = definition.exportScope(actor.userId)
  if (!scope[table]) {
    throw new HttpError(403, 'forbidden', `exporting ${table} needs an admin token`)
  }
  return scope
}

/**
 * registerExports mounts `GET /api/<store>/export/<table>.ndjson` and `.csv` for every store:
 * the table in primary-key order from one read-only snapshot, streamed (memory stays flat), as
 * `genmedia export` writes it. An admin token exports every row; a user token only that user's
 * rows of a store that has users (image-gen), through the store's `exportScope`.
 */
export function registerExports(
  app: FastifyInstance,
  auth: Authenticator,
  stores: readonly OpenStore[],
): void {
  for (const store of stores) {
    const { definition } = store
    app.get(`/api/${definition.name}/export/:file`, async (request, reply) => {
      const actor = await auth.actorOf(request)
      const { file } = request.params as { file: string }
      const match = /^(\w+)\.(ndjson|csv)$/.exec(file)
      const tables = tableNamesOf(definition)
      if (!match || !tables.includes(match[1]!)) {
        throw new NotFoundError(
          `no export ${file} in ${definition.name}; tables: ${tables.join(', ')}, each as .${EXPORT_FORMATS.join(' or .')}`,
        )
      }
      const table = match[1]!
      const format = match[2] as ExportFormat
      const scope = scopeOf(definition, table, actor)
      const body = new PassThrough()
      reply.raw.on('close', () => {
        if (!body.writableFinished) body.destroy(new Error('the client went away'))
      })
      exportTables(store.db, definition, {
        tables: [table],
        format,
        scope,
        open: () => body,
        close: () => void body.end(),
      }).catch((error: unknown) => {
        request.log.warn({ err: error }, `export of ${definition.name}.${table} failed`)
        body.destroy(error as Error)
      })
      return reply
        .type(MEDIA_TYPES[format])
        .header('content-disposition', `attachment; filename="${definition.name}-${file}"`)
        .header('cache-control', 'no-store')
        .send(body)
    })
  }
}

/** exportOpenApi describes the export routes of `stores` for the OpenAPI document. */
export function exportOpenApi(
  stores: readonly StoreDefinition[],
): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const definition of stores) {
    for (const format of EXPORT_FORMATS) {
      paths[`/api/${definition.name}/export/{table}.${format}`] = {
        get: {
          tags: [definition.name],
          summary: `One table of ${definition.name} as ${format === 'csv' ? 'CSV (RFC 4180, header row, UTF-8)' : 'NDJSON (one JSON object per line)'}, in primary-key order, streamed${
            definition.exportScope ? '; a user token gets only its own rows' : '; admin tokens only'
          }`,
          operationId: `${definition.name}:export:${format}`,
          parameters: [
            {
              name: 'table',
              in: 'path',
              required: true,
              schema: { type: 'string', enum: tableNamesOf(definition) },
            },
          ],
          responses: {
            '200': {
              description: 'the rows',
              content: { [MEDIA_TYPES[format].split(';')[0]!]: { schema: { type: 'string' } } },
            },
            '401': { description: 'no valid API token' },
            '403': { description: 'the token may not export this table' },
            '404': { description: 'no such table' },
          },
        },
      }
    }
  }
  return paths
}
