export * from './define.js'
export * from './query.js'
export * from './list.js'
