/** Test helpers: a local signer and provider for apps' own tests. */
import type { Identity, ScalekitAuth, ScalekitAuthOptions } from './index'

export declare class TestSigner {
  constructor(algorithm?: 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA', kid?: string)
  readonly kid: string
  readonly algorithm: string
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string
  jwks(): { keys: Record<string, unknown>[] }
}

export interface MintOptions {
  sub?: string
  expiresIn?: number
  roles?: string[]
  permissions?: string[]
  scopes?: string[]
  oid?: string | null
  [claim: string]: unknown
}

export declare class LocalProvider {
  constructor(options?: { clientId?: string; clientSecret?: string; algorithm?: string })
  readonly clientId: string
  readonly clientSecret: string
  readonly algorithm: string
  /** The issuer URL, once started. */
  readonly url: string | undefined
  /** The `kid` of the signing key, once started. */
  readonly kid: string | undefined
  jwks(): { keys: Record<string, unknown>[] }
  start(): Promise<this>
  stop(): Promise<void>
  client(options?: Partial<ScalekitAuthOptions>): ScalekitAuth
  mint(options?: MintOptions): string
}

/** The user, grants and lifetime of a test session or identity. */
export interface TestSessionOptions {
  /** `sub` (default `usr_test`). */
  userId?: string
  email?: string
  name?: string
  roles?: string[]
  permissions?: string[]
  scopes?: string[]
  /** `oid`. */
  organizationId?: string
  /** Seconds the access token has left (default 3600; negative for an expired one). */
  expiresIn?: number
  /** More claims of the access token (`null` removes one). */
  claims?: Record<string, unknown>
}

/**
 * An adapter instance: `createScalekitExpress()`, `createScalekitWeb()` or
 * `createScalekitNext()` (checked when called, so that this module's types need none of
 * Express or Next.js).
 */
export type ScalekitAdapter = object

/**
 * A `Cookie` header value the app accepts as a signed-in session, sealed with its own
 * session secret; the access token is signed by `provider`, which the app must use as
 * its environment.
 *
 * @example
 * ```ts
 * const cookie = await sessionCookieFor(auth, provider, { userId: 'usr_1', roles: ['admin'] })
 * await request(app).get('/admin').set('Cookie', cookie).expect(200)
 * ```
 */
export declare function sessionCookieFor(
  auth: ScalekitAdapter,
  provider: LocalProvider,
  options?: TestSessionOptions,
): Promise<string>

/** An identity (as `req.auth` holds) for tests of code that takes one; no provider needed. */
export declare function createIdentity(options?: TestSessionOptions): Readonly<Identity>
