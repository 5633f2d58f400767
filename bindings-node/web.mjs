// ESM entry point of scalekit-auth/web.
import cjs from './web.js'

export const { createScalekitWeb, withCookies } = cjs
export default cjs
