import { useEffect, useState } from 'react'
import type { Facet } from '../../../src/core/search/list'
import { navigate, withParams, type Location } from '../router'

export type { Facet, ListPage } from '../../../src/core/search/list'

/** How long typing pauses before the query goes to the URL (and so to the list's request). */
const TYPING_PAUSE_MS = 300

/**
 * searchParams is what a list request adds for the search box: the URL's `q`, and `facets` to
 * count beside the page. Facet filters are the URL's own parameters (`status=…`), which the page
 * already passes to its list as filters. `param` names the URL parameter of the text when a page
 * has more than one search box.
 */
export function searchParams(
  location: Location,
  facets: readonly string[],
  param = 'q',
): Record<string, string> {
  return { q: location.params.get(param) ?? '', facets: facets.join(',') }
}

/**
 * SearchBar is a list's search box with facet chips (docs/search.md): typing sets the URL's `q`
 * (after a short pause, or at once on Enter); each facet's values are chips with their counts
 * under the current filter and search, and clicking one filters the list by that value (sets
 * `<column>=<value>` in the URL), clicking it again removes the filter.
 */
export function SearchBar({
  label,
  location,
  facets,
  names = {},
  param = 'q',
}: {
  /** What is searched, for the box's accessible name: "Search uploads". */
  label: string
  location: Location
  /** The list's facets as the list route returned them. */
  facets?: Record<string, Facet>
  /** Readable names of the facet columns: `{ model_id: 'Model' }`. */
  names?: Record<string, string>
  /** The URL parameter that holds the text (`q` unless the page has two boxes). */
  param?: string
}) {
  const current = location.params.get(param) ?? ''
  const [text, setText] = useState(current)
  useEffect(() => setText(current), [current])
  useEffect(() => {
    if (text.trim() === current.trim()) return
    const timer = setTimeout(() => setQuery(location, param, text), TYPING_PAUSE_MS)
    return () => clearTimeout(timer)
  }, [text, current, location, param])

  return (
    <div className="search-bar">
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          setQuery(location, param, text)
        }}
      >
        <input
          type="search"
          aria-label={label}
          placeholder={`${label}: words, "a phrase", prefix*`}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </form>
      {Object.entries(facets ?? {}).map(([column, facet]) => (
        <FacetChips
          key={column}
          column={column}
          name={names[column] ?? column}
          facet={facet}
          location={location}
        />
      ))}
    </div>
  )
}

/** FacetChips is one facet's values as toggle buttons, each with its count. */
function FacetChips({
  column,
  name,
  facet,
  location,
}: {
  column: string
  name: string
  facet: Facet
  location: Location
}) {
  const chosen = location.params.get(column)
  const values = facet.values.filter((v) => v.value !== null)
  if (values.length === 0) return null
  return (
    <div className="chips" role="group" aria-label={`${name} facet`}>
      <span className="chips-name">{name}</span>
      {values.map(({ value, count }) => (
        <button
          key={value}
          type="button"
          className="chip"
          aria-pressed={chosen === value}
          data-facet={column}
          onClick={() =>
            navigate(withParams(location, { [column]: chosen === value ? null : value }), {
              replace: true,
            })
          }
        >
          {value} <span className="chip-count">{count}</span>
        </button>
      ))}
      {facet.truncated ? <span className="chips-more">…</span> : null}
      {facet.counted ? (
        <span className="chips-counted" title="facets count the newest rows of a long list">
          newest {facet.counted.toLocaleString('en')}
        </span>
      ) : null}
    </div>
  )
}

function setQuery(location: Location, param: string, text: string) {
  navigate(withParams(location, { [param]: text.trim() }), { replace: true })
}
