// Types of the ESM entry point of scalekit-auth/next (next.mjs): the API of next.d.ts, and the CommonJS
// module as the default export.
import cjs from './next.js'

export * from './next.js'
export default cjs
