import { useState } from 'react'
import { authHeaders } from '../api'
import { useApi } from '../hooks'

interface StoreSummary {
  store: string
  rowCounts?: Record<string, number>
}

/**
 * ExportDownloads offers one table of `store` as NDJSON or CSV, as
 * `GET /api/<store>/export/<table>.<format>` streams it (a user token gets its own rows). The
 * download goes through fetch, with the dashboard's token, and is saved as a file.
 */
export function ExportDownloads({ store }: { store: string }) {
  const stores = useApi<StoreSummary[]>('/api/stores')
  const tables = Object.keys(stores.data?.find((s) => s.store === store)?.rowCounts ?? {})
  const [table, setTable] = useState('')
  const [error, setError] = useState('')
  const chosen = table || tables[0] || ''
  if (!tables.length) return null

  const download = async (format: 'ndjson' | 'csv') => {
    setError('')
    const response = await fetch(`/api/${store}/export/${chosen}.${format}`, {
      headers: authHeaders(),
    })
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { message?: string } } | undefined
      setError(body?.error?.message ?? `The server answered ${response.status}`)
      return
    }
    const url = URL.createObjectURL(await response.blob())
    const link = document.createElement('a')
    link.href = url
    link.download = `${store}-${chosen}.${format}`
    link.click()
    URL.revokeObjectURL(url)
  }

  return (
    <div className="export-downloads" aria-label={`Export ${store}`}>
      <label>
        Export{' '}
        <select value={chosen} onChange={(e) => setTable(e.target.value)} aria-label="Table">
          {tables.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={() => void download('ndjson')}>
        NDJSON
      </button>{' '}
      <button type="button" onClick={() => void download('csv')}>
        CSV
      </button>
      {error ? <span className="error"> {error}</span> : null}
    </div>
  )
}
