/**
 * scalekit-auth: authentication for web apps on Scalekit, on a Rust core.
 *
 * @example
 * ```ts
 * import { ScalekitAuth, TokenError } from 'scalekit-auth'
 * const auth = ScalekitAuth.fromEnv()            // no network call
 * try {
 *   const claims = await auth.validateAccessToken(token)
 *   console.log(claims.sub, claims.oid, claims.roles)
 * } catch (error) {
 *   if (error instanceof TokenError) console.log(error.code) // 'token_expired', ...
 * }
 * ```
 */

/** Options of the client (all optional but the three credentials). */
export interface ScalekitAuthOptions {
  /** The environment URL, e.g. https://yourapp.scalekit.com (http only for loopback). */
  environmentUrl: string
  clientId: string
  clientSecret: string
  /** Accepted `iss` values instead of the one discovery announces. */
  issuer?: string | string[]
  /** Further accepted `aud` values for access tokens (the client id always is). */
  audience?: string | string[]
  /** Clock skew tolerated on exp/nbf/iat (default 60, at most 300). */
  leewaySeconds?: number
  /** How long fetched keys are trusted (default 600). */
  jwksCacheTtlSeconds?: number
  /** Least time between key fetches for unknown kids (default 30). */
  jwksRefetchCooldownSeconds?: number
  /** Time limit of each request to the provider (default 10). */
  httpTimeoutSeconds?: number
  /** Tokens longer than this are refused undecoded (default 16384). */
  maxTokenBytes?: number
  /** Recently verified tokens that skip the signature step when seen again (default 1024; 0 = off). */
  verifiedTokenCacheSize?: number
}

/**
 * Options every framework adapter takes (Express, Fetch API, Next.js): the client's, the
 * app's URLs and session secret, and the session settings. Unset values come from the
 * SCALEKIT_* variables.
 */
export interface SessionAdapterOptions extends Partial<ScalekitAuthOptions> {
  /** The app's callback URL (else SCALEKIT_REDIRECT_URI). */
  redirectUri?: string
  /** One secret, or several for rotation (the first seals); at least 32 bytes each. */
  sessionSecret?: string | string[]
  postLogoutRedirectUri?: string
  scopes?: string[]
  /** Where the auth routes live (default `/auth`). */
  prefix?: string
  /** The session cookie's name (default `skauth_session`; `__Host-` prefixed when Secure). */
  cookieName?: string
  /**
   * Share the session cookie with the subdomains of this domain (its `Domain`; default
   * host-only, which no other host can read or overwrite). The callback host must be it
   * or one of its subdomains; the name prefix becomes `__Secure-`.
   */
  cookieDomain?: string
  /**
   * `SameSite` of the session cookie: `lax` (default: sent with links from other sites,
   * not their forms or scripts), `strict` (never from another site, so the first page
   * after a link or the login's redirect back arrives signed out) or `none` (every
   * cross-site request, e.g. an app in another site's frame; needs https). Login cookies
   * stay `lax`.
   */
  sameSite?: 'lax' | 'strict' | 'none'
  secureCookies?: boolean
  absoluteLifetimeSeconds?: number
  idleTimeoutSeconds?: number
  refreshWindowSeconds?: number
  /**
   * A Redis URL (`redis://`, `rediss://`) shared by every instance of the app (else
   * SCALEKIT_REDIS_URL): one refresh per session across the cluster, back-channel logout
   * on every instance, server-side sessions.
   */
  redisUrl?: string
  /** Keep sessions in the store, the cookie holding only a sealed id (else SCALEKIT_SERVER_SIDE_SESSIONS). */
  serverSideSessions?: boolean
  /** How long a store command may take before `store_unavailable` (default 2000 ms). */
  storeTimeoutMs?: number
  /**
   * Runs once a login's tokens are validated, before its session opens: return data to
   * keep in the session (`identity.appData` on every request; JSON, at most 2 KiB) or
   * nothing; throw a `LoginDeniedError` with a reason for the user to refuse the login.
   * An app with sessions of its own (Modular SSO) opens none here: on Express it sets its
   * own cookie on `res` (the third argument) and returns `false`; on the Fetch API and
   * Next.js it returns its own `Response`, e.g. a redirect to `login.returnTo` (where the
   * login was headed, a safe path of the app).
   */
  afterCallback?: (login: AuthResult & { returnTo: string }, request: any, res?: any) => unknown | Promise<unknown>
  /** Where the core's log events go (see `setLogger`; one logger per process). */
  logger?: Logger | null
}

/** One log event of the core. */
export interface LogRecord {
  level: 'error' | 'warn' | 'info' | 'debug' | 'trace'
  /** The message, then `name=value` for each field; never a token or secret. */
  message: string
}

/** A function taking each record, or an object with log methods (`console`, pino, winston). */
export type Logger =
  | ((record: LogRecord) => void)
  | { error?(message: string): void; warn?(message: string): void; info?(message: string): void; debug?(message: string): void; log?(message: string): void }

/**
 * Sends the core's log events (login started and finished, refreshes, key fetches and
 * rotations, provider failures) to `logger`; `null` stops them. One logger per process.
 * `DEBUG=scalekit-auth` sets `console` at startup.
 *
 * @example
 * ```ts
 * setLogger(pino())            // or console, or (record) => ...
 * ```
 */
export declare function setLogger(logger: Logger | null): void

/** Validated claims: every claim of the token, with arrays normalised. */
export interface Claims {
  sub: string
  iss: string
  /** Always an array. */
  aud: string[]
  exp: number
  iat?: number
  nbf?: number
  jti?: string
  sid?: string
  /** Organization id. */
  oid?: string
  client_id?: string
  azp?: string
  nonce?: string
  roles: string[]
  permissions: string[]
  /** `scope` (space-separated) and `scopes` merged. */
  scopes: string[]
  amr: string[]
  email?: string
  email_verified?: boolean
  name?: string
  given_name?: string
  family_name?: string
  preferred_username?: string
  picture?: string
  locale?: string
  /** Custom claims. */
  [claim: string]: unknown
}

export interface User {
  id: string
  email?: string | null
  emailVerified?: boolean | null
  name?: string | null
  givenName?: string | null
  familyName?: string | null
  username?: string | null
  picture?: string | null
  locale?: string | null
  organizationId?: string | null
  connectionId?: string | null
}

export interface AuthResult {
  user: User
  idToken?: string | null
  accessToken: string
  refreshToken?: string | null
  expiresIn?: number | null
  tokenType?: string | null
  accessTokenClaims: Claims
  idTokenClaims?: Claims | null
}

export interface AuthorizationUrlOptions {
  scopes?: string[]
  state?: string
  nonce?: string
  loginHint?: string
  domainHint?: string
  connectionId?: string
  organizationId?: string
  provider?: string
  /** `login`, `create` (sign-up), `select_account`, `consent`. */
  prompt?: string
  /** Re-authenticate when the provider's login is older than this many seconds (`0`: always). */
  maxAge?: number
  /** Authentication context classes to ask for, space-separated (OpenID `acr_values`). */
  acrValues?: string
  codeChallenge?: string
  /** Only `S256`. */
  codeChallengeMethod?: string
}

export interface LoginRequest {
  url: string
  state: string
  nonce: string
  codeVerifier: string
}

export interface LogoutUrlOptions {
  idTokenHint?: string | null
  postLogoutRedirectUri?: string
  state?: string
}

export interface ClientToken {
  accessToken: string
  expiresIn?: number | null
  expiresAt?: number | null
  scopes: string[]
  tokenType?: string | null
}

export interface IdpInitiatedLoginClaims {
  connectionId?: string | null
  organizationId?: string | null
  loginHint?: string | null
  relayState?: string | null
}

/** Who made a request (set as `req.auth` by the Express integration). */
export interface Identity {
  user: User
  claims: Claims
  source: 'session' | 'bearer'
  accessToken: string
  /** What the `afterCallback` hook kept in the session at login, or null. */
  appData?: any
}

export interface JwksStatus {
  keyIds: string[]
  fetchedAtMillis: number | null
  fetchAttempts: number
  lastError: string | null
}

export type Headers = Record<string, string | string[] | undefined> | Iterable<[string, string]>

export declare class ScalekitAuth {
  constructor(options: ScalekitAuthOptions)
  /** A client from SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID, SCALEKIT_CLIENT_SECRET. */
  static fromEnv(options?: Partial<Omit<ScalekitAuthOptions, 'environmentUrl' | 'clientId' | 'clientSecret'>>): ScalekitAuth
  getAuthorizationUrl(redirectUri: string, options?: AuthorizationUrlOptions): string
  createLogin(redirectUri: string, options?: Omit<AuthorizationUrlOptions, 'codeChallenge' | 'codeChallengeMethod'>): LoginRequest
  authenticateWithCode(code: string, redirectUri: string, options?: { codeVerifier?: string; nonce?: string }): Promise<AuthResult>
  validateAccessToken(token: string): Promise<Claims>
  validateIdToken(token: string, options?: { nonce?: string }): Promise<Claims>
  refreshAccessToken(refreshToken: string): Promise<AuthResult>
  getLogoutUrl(options?: LogoutUrlOptions): string
  verifyWebhookPayload(secret: string, headers: Headers, payload: string | Uint8Array): true
  verifyInterceptorPayload(secret: string, headers: Headers, payload: string | Uint8Array): true
  getIdpInitiatedLoginClaims(token: string): Promise<IdpInitiatedLoginClaims>
  getClientAccessToken(): Promise<string>
  getClientToken(): Promise<ClientToken>
  jwksStatus(): JwksStatus
}

/** Every error code, in the same order in every language. */
export declare const ERROR_CODES: readonly string[]

/** Base class of every scalekit-auth error. */
export declare class ScalekitAuthError extends Error {
  /** Stable snake_case code, e.g. `token_expired`. */
  readonly code: string
  /** HTTP status an app should answer with. */
  readonly status: number
  /**
   * A short message a client may be shown; `message` holds the details for logs
   * (configured issuers, provider URLs, transport errors).
   */
  readonly publicMessage?: string
  /** The OAuth `error` of provider refusals and denied logins. */
  readonly oauthError?: string
  readonly description?: string | null
}
export declare class ConfigurationError extends ScalekitAuthError {}
export declare class TokenError extends ScalekitAuthError {}
export declare class TokenExpiredError extends TokenError {}
export declare class InsufficientScopeError extends ScalekitAuthError {}
export declare class WebhookVerificationError extends ScalekitAuthError {}
export declare class SessionError extends ScalekitAuthError {}
export declare class ProviderError extends ScalekitAuthError {}
/** The session store (Redis, `SCALEKIT_REDIS_URL`) could not be reached in time (`store_unavailable`). */
export declare class StoreError extends ScalekitAuthError {}
/**
 * The app refused a login (`login_denied`, 403): throw it from an `afterCallback` hook
 * with the reason to show the user.
 *
 * @example
 * ```ts
 * afterCallback: (login) => {
 *   if (login.user.organizationId !== 'org_acme') throw new LoginDeniedError('Only Acme accounts can sign in here.')
 *   return { plan: 'pro' }   // kept in the session: identity.appData
 * }
 * ```
 */
export declare class LoginDeniedError extends SessionError {
  constructor(reason?: string)
}

/**
 * The error an adapter hands to `onError` (and, with `browserErrors: 'next'`, to
 * `next(err)`): unlike a thrown error, its `message` is safe to render on a page (a denied
 * login's reason, the public message otherwise); the details for logs are in `detail`.
 *
 * @example
 * ```ts
 * onError: (error, req, res) => {
 *   console.warn(error.code, error.detail)
 *   res?.status(error.status).send(`<p>${escapeHtml(error.message)}</p><a href="${error.retryPath ?? '/'}">Try again</a>`)
 * }
 * ```
 */
export type RefusalError = ScalekitAuthError & {
  /** The details for logs (configured issuers, provider URLs, transport errors). */
  readonly detail: string
  /** For a failed login: the app path that starts it again. */
  readonly retryPath?: string
  /** For a denied login: the app's own reason, as its `afterCallback` gave it. */
  readonly reason?: string
}
