// Types of the ESM entry point of scalekit-auth (index.mjs): the API of index.d.ts, and the CommonJS
// module as the default export.
import cjs from './index.js'

export * from './index.js'
export default cjs
