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

const native = require('./binding.js')
const { ScalekitAuth } = require('./index.js')
const { translate } = require('./errors.js')

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

module.exports = { LocalProvider, TestSigner }
