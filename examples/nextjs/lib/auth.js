// One scalekit-auth instance for the proxy, the auth routes, pages and actions. Settings
// come from the SCALEKIT_* variables, read on the first request (not during `next build`).
import { createScalekitNext } from 'scalekit-auth/next'

export const auth = createScalekitNext()
