import { findStore, type StoreDefinition } from '../core/index.js'
import { STORES } from '../stores/registry.js'

/** selectStores resolves the STORE arguments of a command: none means every registered store. */
export function selectStores(names: readonly string[]): StoreDefinition<any>[] {
  if (names.length === 0) return [...STORES]
  return [...new Set(names)].map((name) => findStore(STORES, name))
}

/** selectStore resolves one STORE argument. */
export function selectStore(name: string): StoreDefinition<any> {
  return findStore(STORES, name)
}
