import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  ConflictError,
  GenmediaError,
  NotFoundError,
  SchemaVersionError,
  translateDatabaseError,
  ValidationError,
  type FieldProblem,
} from '../core/index.js'

/** HttpError is an error the server answers with its own status (401, 403). */
export class HttpError extends GenmediaError {
  readonly status: number

  constructor(status: number, code: string, message: string) {
    super(code, message)
    this.status = status
  }
}

/**
 * The one error shape of the API: `{ error: { code, message, field?, fields? } }`; `fields`
 * lists every invalid field when an input has several.
 */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; fields?: readonly FieldProblem[] }
}

/**
 * toHttpError maps an error to a status and body. Only genmedia's own errors reach the client
 * with their message; anything else is a 500 with a generic message (no stack, no SQL), logged
 * in full.
 */
export function toHttpError(raw: unknown): { status: number; body: ErrorBody } {
  // A value only PostgreSQL refuses that reached it unchecked is still a 400, not a 500.
  const error = translateDatabaseError(raw)
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message } } }
  }
  if (error instanceof ValidationError) {
    return {
      status: 400,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.field !== undefined ? { field: error.field } : {}),
          ...(error.fields && error.fields.length > 1 ? { fields: error.fields } : {}),
        },
      },
    }
  }
  if (error instanceof NotFoundError) return plain(404, error)
  if (error instanceof ConflictError) return plain(409, error)
  if (error instanceof SchemaVersionError) return plain(503, error)
  const fastifyError = error as FastifyError
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    // Fastify's own client errors: malformed JSON, an empty body, a body too large, a URL
    // that does not decode, a path parameter too long. The body as a whole is at fault.
    return {
      status: fastifyError.statusCode,
      body: { error: { code: 'bad_request', message: fastifyError.message, field: '' } },
    }
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error' } } }
}

function plain(status: number, error: GenmediaError): { status: number; body: ErrorBody } {
  return { status, body: { error: { code: error.code, message: error.message } } }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const { status, body } = toHttpError(error)
  if (status >= 500) request.log.error({ err: error }, 'request failed')
  void reply.code(status).send(body)
}
