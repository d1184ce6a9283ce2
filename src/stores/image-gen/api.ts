import { z } from 'zod'
import {
  GenmediaError,
  NotFoundError,
  idParams,
  routesFor,
  ValidationError,
  type Actor,
  type ApiRoute,
} from '../../core/index.js'
import { MAX_URL_EXPIRY_SECONDS, type UrlOptions } from '../../storage/index.js'
import {
  completionSchema,
  failureSchema,
  generatedImageInputSchema,
  generatedImageList,
  generatedPromptSchema,
  jobList,
  MAX_IMAGE_BYTES,
  newJobSchema,
  newSessionSchema,
  newUserSchema,
  referenceImageList,
  referenceUploadSchema,
  sessionList,
  titleSchema,
  userList,
} from './inputs.js'
import { MAX_SHOTS } from './migrations.js'
import type { ImageGenRepository } from './repository.js'
import { generationJobWithReferences, tables } from './tables.js'

const generationJobWithReferencesSchema = generationJobWithReferences.row

/** File bytes in a JSON body: standard base64 (with padding) of at most MAX_IMAGE_BYTES bytes. */
const contentBase64 = z
  .base64()
  .min(1)
  .max(Math.ceil(MAX_IMAGE_BYTES / 3) * 4)
  .describe('the file bytes, base64-encoded (standard alphabet, padded)')

export const referenceUploadBody = z.strictObject({
  file_name: z.string().min(1).max(255).describe('the name the user gave the file'),
  content_base64: contentBase64,
  session_id: referenceUploadSchema.shape.session_id,
})

export const generatedImagesBody = z.strictObject({
  images: z
    .array(
      z.strictObject({
        content_base64: contentBase64,
        prompt_used: z.string().nullable().optional(),
        thumbnail_url: z.string().nullable().optional(),
        generation_index: generatedImageInputSchema.shape.generation_index,
      }),
    )
    .min(1)
    .max(MAX_SHOTS),
})

const urlQuery = z.object({
  expires_in: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_URL_EXPIRY_SECONDS)
    .optional()
    .describe('seconds a presigned (S3) URL stays valid; default 3600'),
})
const urlResponse = z.object({ url: z.string() })

/** `/worker/users/:user_id/jobs/:id/…`: a job and its owner, as the claim answered them. */
const workerParams = z.object({
  id: z.coerce.number().int().positive(),
  user_id: z.coerce.number().int().positive(),
})

/** The acting user of a `user` route (the server has already refused actors without one). */
function userOf(actor: Actor): number {
  if (actor.userId === null) throw new GenmediaError('forbidden', 'this route acts as a user')
  return actor.userId
}

/** decodeFile turns a validated `content_base64` into the file's bytes. */
function decodeFile(content: string): Buffer {
  return Buffer.from(content, 'base64')
}

/**
 * renamingFileField runs a repository call and re-throws a ValidationError of its `file` field
 * (`images.0.file`) under the name the client sent (`images.0.content_base64`).
 */
async function renamingFileField<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof ValidationError && error.field && /(^|\.)file$/.test(error.field)) {
      const field = error.field.replace(/file$/, 'content_base64')
      throw new ValidationError(error.message.replaceAll(error.field, field), field)
    }
    throw error
  }
}

const route = routesFor<ImageGenRepository>()

/** `GET <path>`: a fresh URL of one of the user's images, from `sign`. */
const urlRoute = (
  path: string,
  what: string,
  sign: (
    repo: ImageGenRepository,
    userId: number,
    id: number,
    options: UrlOptions,
  ) => Promise<string>,
) =>
  route({
    method: 'GET',
    path,
    summary: `A fresh URL of a ${what} (presigned on S3)`,
    access: 'user',
    params: idParams,
    query: urlQuery,
    response: urlResponse,
    handler: async ({ repo, actor, params, query }) => ({
      url: await sign(repo, userOf(actor), params.id, { expiresIn: query.expires_in }),
    }),
  })

const jobRoutes = (
  prefix: string,
  params: z.ZodType<{ id: number; user_id?: number }>,
  ownerOf: (actor: Actor, params: { id: number; user_id?: number }) => number,
  access: 'user' | 'admin',
  who: string,
): ApiRoute<ImageGenRepository>[] => [
  route({
    method: 'POST',
    path: `${prefix}/:id/generated-prompt`,
    summary: `Record the AI-enhanced prompt of a pending or processing job (${who}; 409 otherwise)`,
    access,
    params,
    body: generatedPromptSchema,
    response: tables.generation_jobs.row,
    handler: ({ repo, actor, params: p, body }) =>
      repo.recordGeneratedPrompt(ownerOf(actor, p), p.id, body.generated_prompt),
  }),
  route({
    method: 'POST',
    path: `${prefix}/:id/images`,
    summary: `Store generated images of a processing job, all or nothing (${who}; 409 if not processing)`,
    access,
    params,
    body: generatedImagesBody,
    response: z.array(tables.generated_images.row),
    status: 201,
    handler: ({ repo, actor, params: p, body }) =>
      renamingFileField(() =>
        repo.recordGeneratedImages(
          ownerOf(actor, p),
          p.id,
          body.images.map(({ content_base64, ...rest }) => ({
            ...rest,
            file: decodeFile(content_base64),
          })),
        ),
      ),
  }),
  route({
    method: 'POST',
    path: `${prefix}/:id/complete`,
    summary: `Complete a processing job, optionally naming the model and method (${who}; 409 otherwise)`,
    access,
    params,
    body: completionSchema.optional(),
    response: tables.generation_jobs.row,
    handler: ({ repo, actor, params: p, body }) =>
      repo.completeJob(ownerOf(actor, p), p.id, body ?? {}),
  }),
  route({
    method: 'POST',
    path: `${prefix}/:id/fail`,
    summary: `Fail a pending or processing job with its error message (${who}; 409 otherwise)`,
    access,
    params,
    body: failureSchema,
    response: tables.generation_jobs.row,
    handler: ({ repo, actor, params: p, body }) =>
      repo.failJob(ownerOf(actor, p), p.id, body.error_message),
  }),
]

/**
 * The image-gen store over HTTP, under /api/image-gen. Every route but the admin ones (users,
 * `/worker/…`) acts as the token's user and reaches only that user's rows: another user's id is
 * answered 404 exactly like a missing one. File bytes travel as base64 in JSON
 * (`content_base64`).
 */
export const imageGenApi: ApiRoute<ImageGenRepository>[] = (<ApiRoute<ImageGenRepository>[]>[
  route.create(
    '/users',
    'Create a user (admin; 409 if the email is taken)',
    newUserSchema,
    tables.users.row,
    (repo, body) => repo.createUser(body),
  ),
  route.list({
    path: '/users',
    summary: 'List users in id order (admin): whom the dashboard can act as',
    list: userList,
    handler: ({ repo }, _filter, page) => repo.listUsers(page),
  }),
  route.get('/users/:id', 'Get a user (admin)', tables.users.row, (repo, id) => repo.getUser(id)),
  route({
    method: 'GET',
    path: '/users/by-email/:email',
    summary: 'Find a user by email (admin)',
    params: z.object({ email: newUserSchema.shape.email }),
    response: tables.users.row,
    handler: ({ repo, params }) => repo.getUserByEmail(params.email),
  }),
  route.remove(
    '/users/:id',
    'Delete a user with all their sessions, uploads, jobs and images (admin)',
    (repo, id) => repo.deleteUser(id),
  ),
  route({
    method: 'GET',
    path: '/me',
    summary: 'The acting user',
    access: 'user',
    response: tables.users.row,
    handler: ({ repo, actor }) => repo.getUser(userOf(actor)),
  }),
  route.list({
    path: '/sessions',
    summary: 'Seed: the user’s sessions with thumbnail and count, most recently active first',
    access: 'user',
    list: sessionList,
    handler: ({ repo, actor }, _filter, page) => repo.listSessions(userOf(actor), page),
  }),
  route({
    method: 'POST',
    path: '/sessions',
    summary: 'Open a session (title default "New Session")',
    access: 'user',
    body: newSessionSchema.optional(),
    response: tables.sessions.row,
    status: 201,
    handler: ({ repo, actor, body }) => repo.createSession(userOf(actor), body ?? {}),
  }),
  route({
    method: 'GET',
    path: '/sessions/:id',
    summary: 'Get one of the user’s sessions',
    access: 'user',
    params: idParams,
    response: tables.sessions.row,
    handler: ({ repo, actor, params }) => repo.getSession(userOf(actor), params.id),
  }),
  route({
    method: 'PATCH',
    path: '/sessions/:id',
    summary: 'Rename a session',
    access: 'user',
    params: idParams,
    body: titleSchema,
    response: tables.sessions.row,
    handler: ({ repo, actor, params, body }) =>
      repo.renameSession(userOf(actor), params.id, body.title),
  }),
  route({
    method: 'DELETE',
    path: '/sessions/:id',
    summary: 'Delete a session (its jobs and images stay, outside any session)',
    access: 'user',
    params: idParams,
    status: 204,
    handler: ({ repo, actor, params }) => repo.deleteSession(userOf(actor), params.id),
  }),
  route({
    method: 'GET',
    path: '/sessions/:id/images',
    summary: 'Seed: the generated images of a session in generation order',
    access: 'user',
    params: idParams,
    response: z.array(tables.generated_images.row),
    handler: ({ repo, actor, params }) => repo.listSessionImages(userOf(actor), params.id),
  }),
  route.list({
    path: '/reference-images',
    summary: 'The user’s uploaded reference images, newest first',
    access: 'user',
    list: referenceImageList,
    handler: ({ repo, actor }, _filter, page) => repo.listReferenceImages(userOf(actor), page),
  }),
  route({
    method: 'POST',
    path: '/reference-images',
    summary: 'Upload a reference image (base64 in JSON); size and type are read from the image',
    access: 'user',
    body: referenceUploadBody,
    response: tables.reference_images.row,
    status: 201,
    handler: ({ repo, actor, body }) =>
      renamingFileField(() =>
        repo.uploadReferenceImage(userOf(actor), {
          file: decodeFile(body.content_base64),
          file_name: body.file_name,
          session_id: body.session_id,
        }),
      ),
  }),
  route({
    method: 'GET',
    path: '/reference-images/:id',
    summary: 'Get one of the user’s reference images',
    access: 'user',
    params: idParams,
    response: tables.reference_images.row,
    handler: ({ repo, actor, params }) => repo.getReferenceImage(userOf(actor), params.id),
  }),
  urlRoute('/reference-images/:id/url', 'reference image', (repo, ...args) =>
    repo.referenceImageUrl(...args),
  ),
  route({
    method: 'DELETE',
    path: '/reference-images/:id',
    summary: 'Delete a reference image (row, links to jobs, object)',
    access: 'user',
    params: idParams,
    status: 204,
    handler: ({ repo, actor, params }) => repo.deleteReferenceImage(userOf(actor), params.id),
  }),
  route.list({
    path: '/jobs',
    summary: 'The user’s generation jobs newest first, optionally of one status',
    access: 'user',
    list: jobList,
    handler: ({ repo, actor }, filter, page, options) =>
      repo.listJobs(userOf(actor), filter, page, options),
  }),
  route({
    method: 'POST',
    path: '/jobs',
    summary: 'Request a generation: the job as pending, in a given or new session, with references',
    access: 'user',
    body: newJobSchema,
    response: tables.generation_jobs.row,
    status: 201,
    handler: ({ repo, actor, body }) => repo.createGenerationJob(userOf(actor), body),
  }),
  route({
    method: 'GET',
    path: '/jobs/:id',
    summary: 'Seed: a generation job with the URLs of all its reference images',
    access: 'user',
    params: idParams,
    response: generationJobWithReferencesSchema,
    handler: ({ repo, actor, params }) => repo.getJobWithReferenceImages(userOf(actor), params.id),
  }),
  route({
    method: 'DELETE',
    path: '/jobs/:id',
    summary: 'Delete a job with its generated images',
    access: 'user',
    params: idParams,
    status: 204,
    handler: ({ repo, actor, params }) => repo.deleteJob(userOf(actor), params.id),
  }),
  route({
    method: 'POST',
    path: '/jobs/:id/start',
    summary: 'Move one of the user’s pending jobs to processing (409 otherwise)',
    access: 'user',
    params: idParams,
    response: tables.generation_jobs.row,
    handler: ({ repo, actor, params }) => repo.startJob(userOf(actor), params.id),
  }),
  ...jobRoutes('/jobs', idParams, (actor) => userOf(actor), 'user', 'the user’s own'),
  route.list({
    path: '/images',
    summary: 'The user’s generated images newest first (best match first with q), by keyset page',
    access: 'user',
    list: generatedImageList,
    handler: ({ repo, actor }, _filter, page, options) =>
      repo.listGeneratedImages(userOf(actor), page, options),
  }),
  route({
    method: 'GET',
    path: '/images/:id',
    summary: 'Get one of the user’s generated images',
    access: 'user',
    params: idParams,
    response: tables.generated_images.row,
    handler: ({ repo, actor, params }) => repo.getGeneratedImage(userOf(actor), params.id),
  }),
  urlRoute('/images/:id/url', 'generated image', (repo, ...args) =>
    repo.generatedImageUrl(...args),
  ),
  route({
    method: 'DELETE',
    path: '/images/:id',
    summary: 'Delete a generated image (the trigger counts its session down, moves the thumbnail)',
    access: 'user',
    params: idParams,
    status: 204,
    handler: ({ repo, actor, params }) => repo.deleteGeneratedImage(userOf(actor), params.id),
  }),
  route({
    method: 'POST',
    path: '/worker/claim',
    summary:
      'Worker (admin): claim the oldest pending job of any user, now processing; {"job": null} when none is pending',
    response: z.object({ job: generationJobWithReferencesSchema.nullable() }),
    handler: async ({ repo }) => {
      const job = await repo.claimNextJob()
      return { job: job ? await repo.getJobWithReferenceImages(job.user_id, job.id) : null }
    },
  }),
  ...jobRoutes(
    '/worker/users/:user_id/jobs',
    workerParams,
    (_actor, p) => p.user_id!,
    'admin',
    'worker (admin), for the job’s user',
  ),
]).map(actingUserExists)

/**
 * actingUserExists makes a `user` route check first that its acting user exists, so that an
 * admin naming `X-Genmedia-User: 999` (or the token of a deleted user) hears so, instead of an
 * empty list or a reference error.
 */
function actingUserExists(r: ApiRoute<ImageGenRepository>): ApiRoute<ImageGenRepository> {
  if (r.access !== 'user') return r
  return {
    ...r,
    handler: async (ctx) => {
      await requireActingUser(ctx.repo, ctx.actor)
      return r.handler(ctx)
    },
  }
}

/** requireActingUser throws NotFoundError naming the acting user when it does not exist. */
async function requireActingUser(repo: ImageGenRepository, actor: Actor): Promise<void> {
  const id = userOf(actor)
  try {
    await repo.getUser(id)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    throw new NotFoundError(
      `acting as image-gen user ${id}, which does not exist (X-Genmedia-User, or the token's user)`,
    )
  }
}
