// Types of the ESM entry point of scalekit-auth/mcp (mcp.mjs): the API of mcp.d.ts, and the CommonJS
// module as the default export.
import cjs from './mcp.js'

export * from './mcp.js'
export default cjs
