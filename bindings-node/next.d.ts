/**
 * Next.js App Router integration (Next 16 `proxy.ts`; Next 15 `middleware.ts` on the
 * Node.js runtime). The proxy refreshes sessions and rewrites cookies; pages, route
 * handlers and Server Actions read the session the proxy passed on and never write cookies.
 * Add `serverExternalPackages: ['scalekit-auth']` to next.config.
 *
 * @example
 * ```ts
 * // lib/auth.ts
 * import { createScalekitNext } from 'scalekit-auth/next'
 * export const auth = createScalekitNext()          // SCALEKIT_* variables, read on first use
 *
 * // app/auth/[...scalekit]/route.ts
 * export const { GET, POST } = auth.handlers
 *
 * // proxy.ts
 * export const proxy = auth.proxy({ protect: ['/dashboard/:path*', { path: '/admin/:path*', roles: ['admin'] }] })
 * export const config = { matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'] }
 *
 * // app/dashboard/page.tsx
 * const session = await auth.requireSession()       // else redirect to log in
 * ```
 */
import type { Identity } from './index'
import type { Requirements, ScalekitWeb, ScalekitWebOptions } from './web'

export type { Requirements, ScalekitWebOptions } from './web'

/**
 * A path to protect: `/a` (exactly), `/a/:path*` or `/a/*` (it and everything below), or
 * a RegExp; matched against the percent-decoded path without the basePath and without a
 * trailing slash. Any other pattern (`:id`, `(...)`, `+`, `?`, `*` elsewhere) makes
 * `proxy()` throw.
 */
export type PathPattern = string | RegExp

/** A protected path and what it requires besides a signed-in user. */
export interface ProtectRule extends Requirements {
  path: PathPattern
}

export interface ProxyOptions {
  /**
   * Paths that need a signed-in user: a browser loading a page is sent to log in,
   * other callers get 401 JSON, a missing role/permission/scope gives 403. Every other
   * path the proxy runs on continues with or without a user (refreshed if need be).
   * Server Actions (`POST` with a `Next-Action` header) always continue: each action
   * must call `requireSession()` or `getSession()` itself.
   */
  protect?: Array<PathPattern | ProtectRule>
}

export interface RequireSessionOptions extends Requirements {
  /**
   * For route handlers: answer a `Response` (401 or 403 JSON) instead of redirecting.
   * @example
   * ```ts
   * export async function GET() {
   *   const session = await auth.requireSession({ api: true })
   *   if (session instanceof Response) return session
   *   return Response.json({ user: session.user })
   * }
   * ```
   */
  api?: boolean
}

export interface ScalekitNext {
  /** `export const { GET, POST } = auth.handlers` in `app/auth/[...scalekit]/route.ts`. */
  handlers: {
    GET(request: Request): Promise<Response>
    POST(request: Request): Promise<Response>
  }
  /**
   * The `proxy` function of `proxy.ts` (or `middleware` of a Node.js `middleware.ts`):
   * the one place where sessions refresh. Refreshed cookies go to the browser and,
   * rewritten in the request's `Cookie` header, to the page. A path that is not validly
   * percent-encoded (or whose segment decodes to '/' or '\\') gets 400. Throws at once
   * for an unsupported `protect` pattern.
   */
  proxy(options?: ProxyOptions): (request: Request) => Promise<Response>
  /**
   * The signed-in user (session cookie or `Authorization: Bearer`), or null. For Server
   * Components, Route Handlers and Server Actions. Read-only (`web.peekSession`): never
   * refreshes, never writes cookies; an expired access token gives null, so keep the
   * page under the proxy's matcher (the proxy refreshes).
   */
  getSession(): Promise<Readonly<Identity> | null>
  /**
   * The signed-in user meeting the requirements. Without a user it redirects to log in
   * (next/navigation `redirect`, back to this path afterwards); a user lacking a
   * requirement throws an `InsufficientScopeError` (status 403, `message` fit to show).
   * In route handlers pass `{ api: true }` to get a 401/403 `Response` instead.
   */
  requireSession(options?: RequireSessionOptions & { api?: false }): Promise<Readonly<Identity>>
  /** With `{ api: true }`: the user, or the 401/403 JSON `Response` to return. */
  requireSession(options: RequireSessionOptions & { api: true }): Promise<Readonly<Identity> | Response>
  /** With `api` not known at compile time: the user, or (when `api`) a `Response`. */
  requireSession(options?: RequireSessionOptions): Promise<Readonly<Identity> | Response>
  /** The signed-in user's access token, or null. */
  getAccessToken(): Promise<string | null>
  /**
   * Ends every session of the user `userId` begun until now, on every instance sharing the
   * store: each is refused on its next request. A later login works as usual.
   */
  endSessionsFor(userId: string): Promise<void>
  /** The Fetch-API layer underneath (created on first use). */
  readonly web: ScalekitWeb
}

/**
 * Sessions for a Next.js app, with the options of `createScalekitWeb` (else the
 * SCALEKIT_* variables). Settings are read on first use, so `next build` needs none.
 * Throws when loaded in the Edge runtime (or bundled for a worker or the browser).
 */
export declare function createScalekitNext(options?: ScalekitWebOptions): ScalekitNext
