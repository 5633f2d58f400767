// Every error code maps to its class with .code, .status and .publicMessage; the list of
// codes is the one every language shares.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import * as sk from '../index.mjs'
import { loadVectors } from './helpers.mjs'

const require = createRequire(import.meta.url)
const native = require('../generated/native.js')
const { toScalekitError } = require('../errors.js')

const SESSION = new Set(['session_missing', 'session_invalid', 'session_expired', 'cross_site_request',
  'state_mismatch', 'login_expired', 'callback_replayed', 'callback_invalid_issuer', 'authorization_denied'])

function expectedClass(code) {
  if (code === 'invalid_config' || code === 'invalid_argument') return sk.ConfigurationError
  if (code === 'token_expired') return sk.TokenExpiredError
  if (code === 'insufficient_scope') return sk.InsufficientScopeError
  if (code.startsWith('token_')) return sk.TokenError
  if (code.startsWith('webhook_')) return sk.WebhookVerificationError
  if (code === 'login_denied') return sk.LoginDeniedError
  if (SESSION.has(code)) return sk.SessionError
  if (code === 'store_unavailable') return sk.StoreError
  return sk.ProviderError
}

test('the codes are the shared list', () => {
  assert.deepEqual([...sk.ERROR_CODES], loadVectors('error_codes.json').codes)
})

test('every code becomes its error class', () => {
  for (const code of sk.ERROR_CODES) {
    let error
    try {
      native.raiseForCode(code)
    } catch (e) {
      error = toScalekitError(e)
    }
    assert.ok(error instanceof sk.ScalekitAuthError, code)
    assert.equal(error.constructor, expectedClass(code), code)
    assert.equal(error.code, code)
    assert.ok(error.status >= 400 && error.status < 600, code)
    assert.ok(error.message.length > 0)
    assert.match(error.publicMessage, /^[A-Z].*\.$/, code)
  }
  assert.ok(sk.TokenExpiredError.prototype instanceof sk.TokenError)
  assert.ok(sk.ERROR_CODES.includes('token_wrong_type') && sk.ERROR_CODES.includes('cross_site_request'))
  const status = (code) => { try { native.raiseForCode(code) } catch (e) { return toScalekitError(e).status } }
  assert.equal(status('token_wrong_type'), 401)
  assert.equal(status('cross_site_request'), 403)
})

test('every family the core reports has a class of its own, and each code its family', () => {
  const { FAMILY_CLASSES, classForCode, ScalekitAuthError } = require('../errors.js')
  for (const family of native.errorFamilyNames()) {
    assert.ok(FAMILY_CLASSES[family], `no class for the family ${family}`)
    assert.notEqual(FAMILY_CLASSES[family], ScalekitAuthError)
  }
  assert.deepEqual(native.errorFamilies(), loadVectors('error_codes.json').families)
  for (const code of sk.ERROR_CODES) assert.equal(classForCode(code), expectedClass(code), code)
  // A code the core does not know is no provider error: the base class.
  assert.equal(classForCode('no_such_code'), ScalekitAuthError)
})

// A sample value for every option of the core's tables: a new core option without one here
// fails, so no option is forgotten in this binding.
const OPTION_SAMPLES = {
  issuer: ['https://acme.scalekit.com'], audience: ['skc_app'], leewaySeconds: 30, jwksCacheTtlSeconds: 600,
  jwksRefetchCooldownSeconds: 5, httpTimeoutSeconds: 5, maxTokenBytes: 16384, verifiedTokenCacheSize: 100,
  postLogoutRedirectUri: 'http://localhost:3000/', scopes: ['openid', 'email'], cookieName: 'app_session',
  cookieDomain: 'localhost', sameSite: 'strict', loginPath: '/auth/login', callbackPath: '/auth/callback',
  secureCookies: false, absoluteLifetimeSeconds: 86400, idleTimeoutSeconds: 3600, refreshWindowSeconds: 60,
  redisUrl: 'redis://127.0.0.1:6379/0', serverSideSessions: false, storeTimeoutMs: 500,
}

test('every client and session option of the core is accepted, and a bad one named in camelCase', () => {
  for (const name of native.clientOptionNames()) {
    assert.ok(name in OPTION_SAMPLES, `no sample for the client option ${name}`)
    const options = { [name]: OPTION_SAMPLES[name] }
    assert.doesNotThrow(() => new native.NativeClient('https://acme.scalekit.com', 'skc_app', 'secret', options), name)
  }
  const client = new native.NativeClient('https://acme.scalekit.com', 'skc_app', 'secret', {})
  for (const name of native.sessionOptionNames()) {
    assert.ok(name in OPTION_SAMPLES, `no sample for the session option ${name}`)
    const options = { [name]: OPTION_SAMPLES[name] }
    assert.doesNotThrow(
      () => new native.NativeSessionEngine(client, 'http://localhost:3000/auth/callback', ['s'.repeat(32)], options), name)
  }
  assert.throws(() => new native.NativeClient('https://acme.scalekit.com', 'skc_app', 'secret', { leewaySeconds: -1 }),
    (error) => /leewaySeconds/.test(error.message) && !/leeway_seconds/.test(error.message))
  const URL_SAMPLES = {
    scopes: ['openid', 'offline_access'], state: 's', nonce: 'n', loginHint: 'a@b.co', domainHint: 'b.co',
    connectionId: 'conn_1', organizationId: 'org_1', provider: 'google', prompt: 'login', maxAge: 0,
    acrValues: 'urn:scalekit:mfa', codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'S256',
  }
  for (const name of native.urlOptionNames()) {
    assert.ok(name in URL_SAMPLES, `no sample for the login-URL option ${name}`)
    // A PKCE challenge and its method go together.
    const pair = name.startsWith('codeChallenge') ? { codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'S256' } : {}
    const url = new URL(client.getAuthorizationUrl('http://localhost:3000/auth/callback', { [name]: URL_SAMPLES[name], ...pair }))
    assert.ok(url.search.length > 0, name)
  }
})
