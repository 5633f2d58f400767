'use strict'
// Test helpers for apps built on scalekit-auth: a local signer that mints tokens, and a
// tiny provider on 127.0.0.1 serving its discovery document and JWKS, so protected
// routes can be tested without Scalekit.
//
//   const { LocalProvider } = require('scalekit-auth/testing')
//   const provider = await new LocalProvider({ clientId: 'skc_test' }).start()
//   const token = provider.mint({ sub: 'usr_1', roles: ['admin'] })
//   await provider.client().validateAccessToken(token)
//   await provider.stop()
//
// An app configured with the provider as its environment accepts the cookie of
// `sessionCookieFor`, so tests call protected routes signed in (supertest, fetch):
//
//   const cookie = await sessionCookieFor(auth, provider, { userId: 'usr_1', roles: ['admin'] })
//   await request(app).get('/admin').set('Cookie', cookie).expect(200)

const native = require('./binding.js')
const { deepFreeze } = require('./adapter.js')
const { ScalekitAuth } = require('./index.js')
const { translate, translateAsync } = require('./errors.js')

/** A signing key made in memory; `sign(claims)` returns a compact JWS. */
class TestSigner {
  constructor(algorithm = 'RS256', kid = 'test-key-1') {
    this._native = translate(() => new native.NativeTestSigner(algorithm, kid))
  }
  get kid() { return this._native.kid }
  get algorithm() { return this._native.algorithm }
  sign(claims, header) { return this._native.sign(claims, header ?? null) }
  jwks() { return this._native.jwks() }
}

/** Discovery and JWKS on 127.0.0.1, and tokens its clients accept. */
class LocalProvider {
  constructor({ clientId = 'skc_test', clientSecret = 'test-secret', algorithm = 'RS256' } = {}) {
    this.clientId = clientId
    this.clientSecret = clientSecret
    this.algorithm = algorithm
    this._native = undefined
  }

  /** The issuer URL, once started. */
  get url() { return this._native?.url }

  /** The `kid` of the signing key, once started. */
  get kid() { return this._native?.kid }

  async start() {
    this._native = translate(() => new native.NativeLocalProvider(this.clientId, this.clientSecret, this.algorithm))
    return this
  }

  async stop() {
    this._native?.stop()
    this._native = undefined
  }

  /** The JWKS document the provider serves. */
  jwks() { return this._native.jwks() }

  /** A client of this provider. */
  client(options = {}) {
    return new ScalekitAuth({ environmentUrl: this.url, clientId: this.clientId, clientSecret: this.clientSecret, ...options })
  }

  /** A signed access token for this provider's client; `claims` add or override claims. */
  mint({ sub = 'usr_test', expiresIn = 300, oid = 'org_test', ...claims } = {}) {
    return this._native.mint({ sub, oid, ...claims }, expiresIn)
  }
}

/** The session engine of an adapter (Express, web, Next.js) or the engine itself. */
function engineOf(auth) {
  if (auth instanceof native.NativeSessionEngine) return auth
  const engine = auth?.engine ?? auth?.web?.engine
  if (!(engine instanceof native.NativeSessionEngine)) {
    throw new TypeError('sessionCookieFor: pass the app\'s createScalekitExpress(), createScalekitWeb() or createScalekitNext() instance')
  }
  return engine
}

/**
 * A `Cookie` header value that `auth` (the app's adapter instance) accepts as a signed-in
 * session: sealed with the app's own session secret, its access token signed by
 * `provider` (which the app must use as its environment). Options: `userId`, `email`,
 * `name`, `roles`, `permissions`, `scopes`, `organizationId`, `expiresIn` (seconds the
 * access token has left; negative for an expired one), `claims` (more token claims).
 */
async function sessionCookieFor(auth, provider, options = {}) {
  if (!(provider instanceof LocalProvider) || provider._native === undefined) {
    throw new TypeError('sessionCookieFor: pass a started LocalProvider (await new LocalProvider().start())')
  }
  const engine = engineOf(auth)
  return translateAsync(() => engine.testSessionCookie(provider._native, options))
}

/**
 * An identity (`{ user, claims, source, accessToken }`, as `req.auth` holds) for tests of
 * code that takes one; the same options as `sessionCookieFor`, no provider needed.
 */
function createIdentity(options = {}) {
  // Frozen, as the identities the adapters hand to routes are.
  return deepFreeze(translate(() => native.testIdentity(options)))
}

module.exports = { LocalProvider, TestSigner, createIdentity, sessionCookieFor }
