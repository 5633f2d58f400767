/**
 * The session engine over the Fetch API's `Request` and `Response`, for any server that
 * speaks them: Next.js route handlers and proxy, Hono, Bun, Remix.
 *
 * @example
 * ```ts
 * import { createScalekitWeb } from 'scalekit-auth/web'
 * const auth = createScalekitWeb()   // SCALEKIT_* variables
 *
 * export async function fetch(request: Request): Promise<Response> {
 *   const { pathname } = new URL(request.url)
 *   if (pathname.startsWith('/auth/')) return auth.handleAuth(request)
 *   const { identity, response, setCookies } = await auth.authenticate(request)
 *   if (response) return response                // redirect to log in, 401 or 403
 *   return auth.withCookies(Response.json({ id: identity.user.id }), setCookies)
 * }
 * ```
 */
import type { Identity, RefusalError, ScalekitAuth, SessionAdapterOptions } from './index'

export interface ScalekitWebOptions extends SessionAdapterOptions {
  /**
   * Hears the error behind every decision (a refusal, a redirect to log in, an optional
   * route continuing without a user). `error.message` is safe to show the user;
   * `error.detail` has the details for logs that the response leaves out. Default:
   * `console.error` for a status of 500 or more.
   */
  onError?: (
    error: RefusalError,
    request: Request,
  ) => void | Response | undefined | Promise<void | Response | undefined>
}

/** What a protected route needs besides a signed-in user (all listed, each). */
export interface Requirements {
  roles?: string[]
  permissions?: string[]
  scopes?: string[]
}

/** The engine's decision as the native module returns it. */
export interface Decision {
  kind: 'continue' | 'redirect' | 'respond'
  status: number
  headers: Record<string, string>
  location?: string
  body?: string
  setCookies: string[]
  /** The identity to continue with (frozen: shared by the requests that carry it). */
  identity?: Readonly<Identity>
  /** The same as JSON text, as the native module returns it. */
  identityJson?: string
  errorCode?: string
  errorStatus?: number
  errorDetail?: string
}

/** The outcome of `authenticate`: the user, or the response to send instead. */
export type AuthenticateResult =
  | { identity: Readonly<Identity>; response?: undefined; setCookies: string[]; decision: Decision }
  | { identity: null; response: Response; setCookies: string[]; decision: Decision }

/**
 * The outcome of `optionalAuth`: the user if one is signed in. `response` (a 401 JSON
 * answer) is set only when an `Authorization: Bearer` token was sent and is invalid.
 */
export interface OptionalAuthResult {
  identity: Readonly<Identity> | null
  response?: Response
  setCookies: string[]
  decision: Decision
}

export interface ScalekitWeb {
  client: ScalekitAuth
  prefix: string
  /**
   * Answers `${prefix}/login`, `/signup`, `/callback` (GET) and `/logout` (GET and
   * POST); 404 for other paths.
   */
  handleAuth(request: Request): Promise<Response>
  /**
   * A signed-in user meeting `requirements`. Otherwise `response` is set: a redirect to
   * log in for a browser loading a page, 401 JSON for other callers, 403 JSON when a
   * requirement is missing. Send `setCookies` with your own response (`withCookies`).
   *
   * @example
   * ```ts
   * const { identity, response, setCookies } = await auth.authenticate(request, { roles: ['admin'] })
   * if (response) return response
   * return auth.withCookies(new Response(`hello ${identity.user.email}`), setCookies)
   * ```
   */
  authenticate(request: Request, requirements?: Requirements): Promise<AuthenticateResult>
  /**
   * The signed-in user or null; never a redirect. Send `setCookies` all the same. An
   * invalid `Authorization: Bearer` token gives `response` (401 JSON).
   */
  optionalAuth(request: Request): Promise<OptionalAuthResult>
  /**
   * Ends every session of the user `userId` begun until now, on every instance sharing the
   * store (`SCALEKIT_REDIS_URL`; otherwise in this process): each is refused on its next
   * request. A later login works as usual.
   *
   * @example
   * ```ts
   * await auth.endSessionsFor('usr_123')
   * ```
   */
  endSessionsFor(userId: string): Promise<void>
  /**
   * Read-only `optionalAuth` (no `requirements`) or `authenticate` (with them): never
   * refreshes, never sets cookies (`setCookies` is always empty). A session whose access
   * token is still valid continues, even inside the refresh window; one whose access
   * token has expired is refused (a redirect to log in for a page load, else 401), or,
   * without `requirements`, continues without a user. For code that cannot send cookies
   * to the browser (Server Components, Server Actions) behind a proxy or middleware that
   * refreshes with `authenticate`/`optionalAuth`: a refresh there rotates the refresh
   * token, and tokens that never reach the browser would log the user out later.
   */
  peekSession(request: Request, requirements?: null): Promise<OptionalAuthResult>
  peekSession(request: Request, requirements: Requirements): Promise<AuthenticateResult>
  peekSession(request: Request, requirements?: Requirements | null): Promise<AuthenticateResult | OptionalAuthResult>
  /** `response` with every `Set-Cookie` appended (copied first if its headers are immutable). */
  withCookies(response: Response, setCookies: readonly string[]): Response
}

export declare function createScalekitWeb(options?: ScalekitWebOptions): ScalekitWeb

/** `response` with every `Set-Cookie` appended (copied first if its headers are immutable). */
export declare function withCookies(response: Response, setCookies: readonly string[]): Response
