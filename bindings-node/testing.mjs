// ESM entry point of scalekit-auth/testing.
import cjs from './testing.js'

export const { LocalProvider, TestSigner } = cjs
export default cjs
