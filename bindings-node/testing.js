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

const http = require('node:http')
const native = require('./native.js')
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
    this.signer = new TestSigner(algorithm, 'local-test-key')
    this.url = undefined
    this._server = undefined
  }

  async start() {
    this._server = http.createServer((req, res) => {
      let body
      if (req.url === '/.well-known/openid-configuration') {
        body = {
          issuer: this.url,
          authorization_endpoint: `${this.url}/oauth/authorize`,
          token_endpoint: `${this.url}/oauth/token`,
          jwks_uri: `${this.url}/keys`,
          end_session_endpoint: `${this.url}/oidc/logout`,
        }
      } else if (req.url === '/keys') {
        body = this.signer.jwks()
      } else {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
    await new Promise((resolve) => this._server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${this._server.address().port}`
    return this
  }

  async stop() {
    if (!this._server) return
    this._server.closeAllConnections?.()
    await new Promise((resolve) => this._server.close(resolve))
    this._server = undefined
  }

  /** A client of this provider. */
  client(options = {}) {
    return new ScalekitAuth({ environmentUrl: this.url, clientId: this.clientId, clientSecret: this.clientSecret, ...options })
  }

  /** A signed access token for this provider's client; `claims` add or override claims. */
  mint({ sub = 'usr_test', expiresIn = 300, roles, permissions, scopes, oid = 'org_test', ...claims } = {}) {
    const now = Math.floor(Date.now() / 1000)
    const payload = {
      iss: this.url, sub, aud: [this.clientId], iat: now, nbf: now, exp: now + expiresIn, client_id: this.clientId,
    }
    if (oid !== null) payload.oid = oid
    if (roles) payload.roles = roles
    if (permissions) payload.permissions = permissions
    if (scopes) payload.scopes = scopes
    return this.signer.sign({ ...payload, ...claims })
  }
}

module.exports = { LocalProvider, TestSigner }
