// ESM entry point of scalekit-auth/mcp.
import cjs from './mcp.js'

export const { createMcpAuth, RESOURCE_METADATA_PATH } = cjs
export default cjs
