'use strict'
// What scalekit-auth/web and scalekit-auth/next resolve to under the "edge-light",
// "worker" and "browser" export conditions (the Edge runtime, workers, client bundles):
// the package is a native Node.js module, so loading it there fails at once, with the fix.
const { EDGE_MESSAGE } = require('./errors.js')

throw new Error(EDGE_MESSAGE)
