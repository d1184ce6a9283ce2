import { useEffect, useState } from 'react'
import { api } from './api'

type Schema = {
  enum?: unknown[]
  examples?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  properties?: Record<string, Schema>
}

let document: Promise<{ paths: Record<string, Record<string, any>> }> | undefined

/** The string values `key` (`enum`, or `examples`) of a schema lists, through anyOf/oneOf. */
function valuesOf(schema: Schema | undefined, key: 'enum' | 'examples'): string[] {
  if (!schema) return []
  const own = schema[key]
  if (own) return own.filter((v): v is string => typeof v === 'string')
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap((s) => valuesOf(s, key))
}

/**
 * useBodyEnums reads, from the server's OpenAPI document, the allowed values of every enum
 * field of a route's request body, so that forms offer exactly what the API accepts, and the
 * suggested values (`examples`) of open fields, which a form offers while taking any other.
 */
export function useBodyEnums(path: string, method: 'post' | 'put' | 'patch') {
  const [enums, setEnums] = useState<Record<string, string[]>>()
  const [suggestions, setSuggestions] = useState<Record<string, string[]>>({})
  const [error, setError] = useState<Error>()
  useEffect(() => {
    document ??= api('/api/openapi.json')
    document.then(
      (doc) => {
        const schema: Schema | undefined =
          doc.paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema
        const out: Record<string, string[]> = {}
        const suggested: Record<string, string[]> = {}
        for (const [name, property] of Object.entries(schema?.properties ?? {})) {
          const values = valuesOf(property, 'enum')
          if (values.length) out[name] = values
          const examples = valuesOf(property, 'examples')
          if (examples.length) suggested[name] = examples
        }
        setSuggestions(suggested)
        setEnums(out)
      },
      (caught: Error) => {
        document = undefined
        setError(caught)
      },
    )
  }, [path, method])
  return { enums, suggestions, error }
}
