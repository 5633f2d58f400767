// ESM entry point of scalekit-auth/next.
import cjs from './next.js'

export const { createScalekitNext } = cjs
export default cjs
