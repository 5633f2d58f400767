// One scalekit-auth instance for the route handlers (SCALEKIT_* variables, read on the
// first request), and the official SDK for the way the Scalekit templates check a token
// on every request (made on first use: the variables are not set during `next build`).
import { Scalekit } from '@scalekit-sdk/node'
import { createScalekitNext } from 'scalekit-auth/next'

export const auth = createScalekitNext()

let official
export function scalekit() {
  official ??= new Scalekit(
    process.env.SCALEKIT_ENVIRONMENT_URL, process.env.SCALEKIT_CLIENT_ID, process.env.SCALEKIT_CLIENT_SECRET,
  )
  return official
}
