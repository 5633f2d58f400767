// ESM twin of edge.js: scalekit-auth/web and scalekit-auth/next under the "edge-light",
// "worker" and "browser" export conditions. The exports exist so that bundlers resolve
// named imports; loading the module throws the fix at once.
import errors from './errors.js'

export function createScalekitNext() {
  throw new Error(errors.EDGE_MESSAGE)
}
export function createScalekitWeb() {
  throw new Error(errors.EDGE_MESSAGE)
}
export function withCookies() {
  throw new Error(errors.EDGE_MESSAGE)
}
export default { createScalekitNext, createScalekitWeb, withCookies }

throw new Error(errors.EDGE_MESSAGE)
