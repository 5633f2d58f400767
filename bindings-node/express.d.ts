/**
 * Express integration (Express 4 and 5).
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createScalekitExpress } from 'scalekit-auth/express'
 * const app = express()
 * const auth = createScalekitExpress()   // SCALEKIT_* variables
 * app.use(auth.router)
 * app.get('/dashboard', auth.requireAuth(), (req, res) => { res.send(req.auth!.user.email) })
 * ```
 */
import type { RequestHandler, Router } from 'express'
import type { Identity, ScalekitAuth, ScalekitAuthOptions } from './index'

declare global {
  namespace Express {
    interface Request {
      /** Set by the scalekit-auth middleware when the request is authenticated. */
      auth?: Identity
    }
  }
}

export interface ScalekitExpressOptions extends Partial<ScalekitAuthOptions> {
  /** The app's callback URL (else SCALEKIT_REDIRECT_URI). */
  redirectUri?: string
  /** One secret, or several for rotation (the first seals); at least 32 bytes each. */
  sessionSecret?: string | string[]
  postLogoutRedirectUri?: string
  scopes?: string[]
  /** Where the auth routes live (default `/auth`). */
  prefix?: string
  cookieName?: string
  secureCookies?: boolean
  absoluteLifetimeSeconds?: number
  idleTimeoutSeconds?: number
  refreshWindowSeconds?: number
  /** A specific copy of Express (default: `require('express')`). */
  express?: { Router: () => Router }
}

export interface ScalekitExpress {
  client: ScalekitAuth
  router: Router
  requireAuth(): RequestHandler
  optionalAuth(): RequestHandler
  requireRoles(...roles: string[]): RequestHandler
  requirePermissions(...permissions: string[]): RequestHandler
  requireScopes(...scopes: string[]): RequestHandler
}

export declare function createScalekitExpress(options?: ScalekitExpressOptions): ScalekitExpress
