/** Test helpers: a local signer and provider for apps' own tests. */
import type { ScalekitAuth, ScalekitAuthOptions } from './index'

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
