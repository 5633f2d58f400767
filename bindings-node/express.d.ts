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
import type { Request, RequestHandler, Router } from 'express'
import type { Identity, ScalekitAuth, ScalekitAuthError, SessionAdapterOptions } from './index'

declare global {
  namespace Express {
    interface Request {
      /** Set by the scalekit-auth middleware when the request is authenticated. */
      auth?: Identity
    }
  }
}

export interface ScalekitExpressOptions extends SessionAdapterOptions {
  /** A specific copy of Express (default: `require('express')`). */
  express?: { Router: () => Router }
  /**
   * Hears the error behind every decision of the middleware and auth routes (a refusal,
   * a redirect to log in, an optional route continuing without a user). `error.message`
   * has the details for logs that the response leaves out; `error.status` is the HTTP
   * status it maps to. Default: `console.error` for a status of 500 or more.
   */
  onError?: (error: ScalekitAuthError, req: Request) => void
}

export interface ScalekitExpress {
  client: ScalekitAuth
  /** `/auth/login`, `/auth/signup`, `/auth/callback` and `/auth/logout` (GET and POST). */
  router: Router
  /** Browsers loading a page are sent to log in; other callers get 401 JSON. */
  requireAuth(): RequestHandler
  optionalAuth(): RequestHandler
  requireRoles(...roles: string[]): RequestHandler
  requirePermissions(...permissions: string[]): RequestHandler
  requireScopes(...scopes: string[]): RequestHandler
}

export declare function createScalekitExpress(options?: ScalekitExpressOptions): ScalekitExpress
