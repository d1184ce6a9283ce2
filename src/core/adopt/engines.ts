import type { Engine } from '../engines/engine.js'
import { GenmediaError } from '../errors.js'
import type { EngineAdoption } from './engine.js'

/** adoptionOf is the engine's adoption, or an error naming the engine that has none. */
export function adoptionOf(engine: Engine): EngineAdoption {
  const adoption = engine.adoption
  if (!adoption) {
    throw new GenmediaError(
      'unsupported',
      `genmedia adopt does not take over ${engine.name} databases yet`,
    )
  }
  return adoption
}
