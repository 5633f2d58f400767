// Types of the ESM entry point of scalekit-auth/express (express.mjs): the API of express.d.ts, and the CommonJS
// module as the default export.
import cjs from './express.js'

export * from './express.js'
export default cjs
