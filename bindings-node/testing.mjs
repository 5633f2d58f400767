// ESM entry point of scalekit-auth/testing.
import cjs from './testing.js'

export const { LocalProvider, TestSigner, createIdentity, sessionCookieFor } = cjs
export default cjs
