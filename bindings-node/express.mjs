// ESM entry point of scalekit-auth/express.
import cjs from './express.js'

export const { createScalekitExpress, createScalekitBearer } = cjs
export default cjs
