import { useEffect, useState } from 'react'
import { api } from './api'

type Schema = {
  enum?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  properties?: Record<string, Schema>
}

let document: Promise<{ paths: Record<string, Record<string, any>> }> | undefined

function enumOf(schema: Schema | undefined): string[] {
  if (!schema) return []
  if (schema.enum) return schema.enum.filter((v): v is string => typeof v === 'string')
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(enumOf)
}

/**
 * useBodyEnums reads, from the server's OpenAPI document, the allowed values of every enum
 * field of a route's request body, so that forms offer exactly what the API accepts.
 */
export function useBodyEnums(path: string, method: 'post' | 'put' | 'patch') {
  const [enums, setEnums] = useState<Record<string, string[]>>()
  const [error, setError] = useState<Error>()
  useEffect(() => {
    document ??= api('/api/openapi.json')
    document.then(
      (doc) => {
        const schema: Schema | undefined =
          doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema
        const out: Record<string, string[]> = {}
        for (const [name, property] of Object.entries(schema?.properties ?? {})) {
          const values = enumOf(property)
          if (values.length) out[name] = values
        }
        setEnums(out)
      },
      (caught: Error) => {
        document = undefined
        setError(caught)
      },
    )
  }, [path, method])
  return { enums, error }
}
