// Types of the ESM entry point of scalekit-auth/testing (testing.mjs): the API of testing.d.ts, and the CommonJS
// module as the default export.
import cjs from './testing.js'

export * from './testing.js'
export default cjs
