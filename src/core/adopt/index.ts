export * from './adopt.js'
export type * from './engine.js'
export * from './plan.js'
export {
  AdoptionRefusedError,
  SET_ASIDE_SUFFIX,
  type RebuildOutcome,
  type RejectedRow,
} from './rebuild.js'
