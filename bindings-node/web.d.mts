// Types of the ESM entry point of scalekit-auth/web (web.mjs): the API of web.d.ts, and the CommonJS
// module as the default export.
import cjs from './web.js'

export * from './web.js'
export default cjs
