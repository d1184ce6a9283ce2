import { z } from 'zod'
import { accessTables } from './tables.js'

const tokens = accessTables.api_tokens.insert.shape

/** What `createToken` accepts: a token needs a user, `admin`, or both. */
export const newTokenSchema = z
  .strictObject({
    name: tokens.name.default('api token'),
    user_id: tokens.user_id,
    admin: tokens.is_admin,
  })
  .refine((t) => t.user_id != null || t.admin, {
    message: 'a token needs a user, --admin, or both',
    path: ['user_id'],
  })
export type NewToken = z.input<typeof newTokenSchema>
