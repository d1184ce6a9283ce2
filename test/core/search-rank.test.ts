import { describe, expect, it } from 'vitest'
import { parseSearchQuery } from '../../src/core/search/query.js'
import { indexWords, rankWindow } from '../../src/core/search/rank.js'

const rank = (q: string, texts: string[]) =>
  rankWindow(
    texts.map((text) => ({ text })),
    ['text'],
    parseSearchQuery(q),
  )

describe('rankWindow', () => {
  it('splits words as the indexes do: letters and digits, lower case, no diacritics', () => {
    expect(indexWords('Café_sketch-01.PNG')).toEqual(['cafe', 'sketch', '01', 'png'])
    expect(indexWords('["lora-mist","Ünïcode"]')).toEqual(['lora', 'mist', 'unicode'])
  })

  it('ranks more occurrences first, then shorter rows', () => {
    const [once, thrice, short] = rank('harbour', [
      'a harbour at dawn with boats and gulls',
      'harbour harbour harbour at dawn with boats',
      'harbour at dawn',
    ])
    expect(thrice).toBeGreaterThan(once!)
    expect(short).toBeGreaterThan(once!)
  })

  it('counts a phrase only where its words stand together, a prefix by its start', () => {
    const [apart, together] = rank('"foggy harbour"', [
      'foggy night by the harbour',
      'a foggy harbour at night',
    ])
    expect(apart).toBe(0)
    expect(together).toBeGreaterThan(0)
    const [prefixed, none] = rank('harb*', ['harbours at night', 'a quiet field'])
    expect(prefixed).toBeGreaterThan(0)
    expect(none).toBe(0)
    expect(rank('CAFÉ', ['café terrace'])[0]).toBeGreaterThan(0)
  })

  it('weighs a word that few rows of the window hold above a common one', () => {
    const [withRare, withCommon] = rank('lantern sea', [
      'a lantern at dusk',
      'the sea at dusk',
      'sea foam',
      'sea glass',
    ])
    expect(withRare).toBeGreaterThan(withCommon!)
  })
})
