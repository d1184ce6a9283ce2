export * from './define.js'
export * from './query.js'
export * from './list.js'
export * from './store.js'
