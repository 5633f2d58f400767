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
import type { Request, RequestHandler, Response } from 'express'
import type { Identity, RefusalError, ScalekitAuth, ScalekitAuthOptions, SessionAdapterOptions } from './index'

declare global {
  namespace Express {
    interface Request {
      /**
       * Set by the scalekit-auth middleware when the request is authenticated. Frozen:
       * the requests that carry the same token share it (copy it to change it).
       */
      auth?: Readonly<Identity>
    }
  }
}

export interface ScalekitExpressOptions extends SessionAdapterOptions {
  /**
   * Hears the error behind every decision of the middleware and auth routes (a refusal,
   * a redirect to log in, an optional route continuing without a user). `error.message`
   * is safe to show the user; `error.detail` has the details for logs that the response
   * leaves out; `error.status` is the HTTP status it maps to; `error.retryPath` starts a
   * failed login again. For a refusal
   * (status 400 or more) it also gets `res` and may answer itself, e.g.
   * `res.status(error.status).render('error', { error })`. Default: `console.error` for a
   * status of 500 or more.
   */
  onError?: (
    error: RefusalError,
    req: Request,
    res?: Response,
  ) => void | Promise<void>
  /**
   * `page` (default): a browser loading a page that is refused (a missing role, a failed
   * login) gets a small built-in HTML page. `next`: the error goes to `next(err)`, with
   * `err.code`, `err.status` and `err.retryPath`, so the app's error middleware renders
   * it. API callers get 401/403 JSON either way.
   */
  browserErrors?: 'page' | 'next'
}

export interface ScalekitExpress {
  client: ScalekitAuth
  /**
   * `/auth/login`, `/auth/signup`, `/auth/callback`, `/auth/logout` (GET and POST) and
   * `/auth/backchannel-logout` (POST), as one middleware: `app.use(auth.router)`.
   */
  router: RequestHandler
  /** Global middleware: `req.auth` on every route when signed in; it never refuses a request. */
  middleware(): RequestHandler
  /** Browsers loading a page are sent to log in; other callers get 401 JSON. */
  requireAuth(): RequestHandler
  optionalAuth(): RequestHandler
  requireRoles(...roles: string[]): RequestHandler
  requirePermissions(...permissions: string[]): RequestHandler
  requireScopes(...scopes: string[]): RequestHandler
  /**
   * Ends every session of the user `userId` begun until now, on every instance sharing the
   * store (`SCALEKIT_REDIS_URL`; otherwise in this process): each is refused, and its
   * cookie cleared, on its next request. A later login works as usual.
   *
   * @example
   * ```ts
   * app.post('/admin/users/:id/ban', auth.requireRoles('admin'), async (req, res) => {
   *   await auth.endSessionsFor(req.params.id)
   *   res.sendStatus(204)
   * })
   * ```
   */
  endSessionsFor(userId: string): Promise<void>
}

export declare function createScalekitExpress(options?: ScalekitExpressOptions): ScalekitExpress

export interface ScalekitBearerOptions extends Partial<ScalekitAuthOptions> {
  /** Hears the error behind every refusal; it may answer itself through `res`. */
  onError?: (error: RefusalError, req: Request, res?: Response) => void | Promise<void>
}

/** Middleware of an API service that takes access tokens only. */
export interface ScalekitBearer {
  client: ScalekitAuth
  /** A valid access token is required (else 401 JSON with `WWW-Authenticate: Bearer`). */
  requireToken(): RequestHandler
  /** Every listed scope is required (else 403 `insufficient_scope`). */
  requireScopes(...scopes: string[]): RequestHandler
  requireRoles(...roles: string[]): RequestHandler
  requirePermissions(...permissions: string[]): RequestHandler
}

/**
 * Authorization for API services that take access tokens only: no redirect URI, no
 * session secret, no cookies.
 *
 * @example
 * ```ts
 * const api = createScalekitBearer()   // SCALEKIT_ENVIRONMENT_URL, _CLIENT_ID, _CLIENT_SECRET
 * app.get('/reports', api.requireScopes('reports:read'), (req, res) => { res.json({ caller: req.auth!.user.id }) })
 * ```
 */
export declare function createScalekitBearer(options?: ScalekitBearerOptions): ScalekitBearer
