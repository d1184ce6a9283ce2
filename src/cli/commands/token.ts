import type { Command } from 'commander'
import {
  Database,
  NotFoundError,
  openStore,
  redactLocation,
  resolveStoreLocation,
} from '../../core/index.js'
import { imageGenStore } from '../../stores/image-gen/index.js'
import { accessStore, type AccessRepository } from '../../stores/access/index.js'
import { CliError, EXIT, printJson, printTable, run } from '../output.js'

async function withAccess<T>(fn: (repo: AccessRepository) => Promise<T>): Promise<T> {
  const store = await openStore(accessStore)
  try {
    return await fn(store.repo)
  } finally {
    await store.close()
  }
}

/**
 * requireUser fails unless image-gen has user `id`: a token for a user that does not exist
 * would act as nobody. It reads the image-gen store as it is, creating nothing.
 */
async function requireUser(id: number): Promise<void> {
  const { location } = resolveStoreLocation(imageGenStore)
  if (!(await Database.exists(location, imageGenStore.schema))) {
    throw new CliError(
      `--user ${id}: the image-gen store does not exist at ${redactLocation(location)}; run genmedia init image-gen`,
      EXIT.usage,
    )
  }
  const store = await openStore(imageGenStore, { location, readOnly: true })
  try {
    await store.repo.getUser(id)
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new CliError(`--user ${id}: image-gen has no user ${id}`, EXIT.usage, error.code)
    }
    throw error
  } finally {
    await store.close()
  }
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage the HTTP API’s tokens')

  token
    .command('create')
    .description('create a token; it is printed once and stored only as a hash')
    .option('--user <id>', 'image-gen user the token acts as')
    .option('--admin', 'may reach every store (not only the user’s image-gen data)')
    .option('--name <name>', 'a label for people', 'api token')
    .option('--json', 'print JSON')
    .action(
      run(async (options: { user?: string; admin?: boolean; name: string; json?: boolean }) => {
        const userId = options.user === undefined ? null : Number(options.user)
        if (userId !== null && (!Number.isInteger(userId) || userId <= 0)) {
          throw new CliError(`--user must be a user id, got ${options.user}`, 2)
        }
        if (userId !== null) await requireUser(userId)
        const created = await withAccess((repo) =>
          repo.createToken({ name: options.name, user_id: userId, admin: options.admin }),
        )
        if (options.json) printJson(created)
        else {
          process.stdout.write(`${created.token}\n`)
          process.stderr.write(
            `token ${created.record.id} created; it is shown only now. Send it as: Authorization: Bearer <token>\n`,
          )
        }
      }),
    )

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(
      run(async (options: { json?: boolean }) => {
        const tokens = await withAccess((repo) => repo.listTokens())
        if (options.json) printJson(tokens)
        else {
          printTable(tokens, {
            id: (t) => t.id,
            name: (t) => t.name,
            prefix: (t) => `${t.prefix}…`,
            user: (t) => t.user_id ?? '',
            admin: (t) => (t.is_admin ? 'yes' : ''),
            created: (t) => t.created_at,
            'last used': (t) => t.last_used_at ?? '',
            revoked: (t) => t.revoked_at ?? '',
          })
        }
      }),
    )

  token
    .command('revoke')
    .description('revoke a token; it stops working at once')
    .argument('<id>', 'token id (see token list)')
    .option('--json', 'print JSON')
    .action(
      run(async (id: string, options: { json?: boolean }) => {
        const tokenId = Number(id)
        if (!Number.isInteger(tokenId)) throw new CliError(`<id> must be a token id, got ${id}`, 2)
        const revoked = await withAccess((repo) => repo.revokeToken(tokenId))
        if (options.json) printJson(revoked)
        else process.stdout.write(`token ${revoked.id} revoked at ${revoked.revoked_at}\n`)
      }),
    )
}
