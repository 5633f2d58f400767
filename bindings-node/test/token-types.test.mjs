// The shared vectors tests/vectors/token_types.json: access tokens validate, ID tokens
// and logout tokens never do (`token_wrong_type`), and a claim named `__proto__` stays an
// ordinary claim in every claims object handed to JavaScript (validateAccessToken,
// validateIdToken, the session engine's identity).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import { ScalekitAuth, TokenError } from '../index.mjs'
import { TestSigner } from '../testing.mjs'
import { loadVectors, serveJwks } from './helpers.mjs'

const require = createRequire(import.meta.url)
const native = require('../generated/native.js')
const { identityOf } = require('../adapter.js')

const vectors = loadVectors('token_types.json')
const PROTO_CASE = 'a claim named __proto__ is an ordinary claim'
let server
let client

before(async () => {
  server = await serveJwks(vectors.jwks)
  client = new ScalekitAuth({
    environmentUrl: server.url, clientId: vectors.client_id, clientSecret: 'x', issuer: vectors.issuer,
  })
})
after(() => server.close())

test('every token type gets its verdict from validateAccessToken', async () => {
  assert.ok(vectors.cases.length > 0)
  for (const c of vectors.cases) {
    let verdict
    try {
      const claims = await client.validateAccessToken(c.token)
      assert.equal(claims.sub, 'usr_1', c.name)
      verdict = null
    } catch (error) {
      assert.ok(error instanceof TokenError, `${c.name}: ${error}`)
      assert.equal(error.status, 401, c.name)
      verdict = error.code
    }
    assert.equal(verdict, c.code, c.name)
  }
})

/** A claims object in which `__proto__` is an own, ordinary claim. */
function assertProtoIsOrdinary(claims, where) {
  assert.equal(Object.getPrototypeOf(claims), Object.prototype, where)
  assert.equal(claims.polluted, undefined, where)
  assert.ok(Object.hasOwn(claims, '__proto__'), where)
  const own = Object.getOwnPropertyDescriptor(claims, '__proto__')
  // A data property like any other (writable unless the object is frozen, as the
  // identities handed to routes are).
  assert.ok('value' in own && own.get === undefined && own.enumerable, where)
  assert.equal(own.writable, !Object.isFrozen(claims), where)
  assert.deepEqual(JSON.parse(JSON.stringify(own.value)), { polluted: true }, where)
  assert.equal(own.value.polluted, true, where)
  assert.ok(Object.keys(claims).includes('__proto__'), where)
  assert.equal(claims.sub, 'usr_1', where)
  assert.equal(Object.prototype.polluted, undefined, where)
  assert.equal({}.polluted, undefined, where)
}

test('a claim named __proto__ never becomes the prototype of claims', async () => {
  const token = vectors.cases.find((c) => c.name === PROTO_CASE).token

  assertProtoIsOrdinary(await client.validateAccessToken(token), 'validateAccessToken (keys cached)')
  const fresh = new ScalekitAuth({
    environmentUrl: server.url, clientId: vectors.client_id, clientSecret: 'x', issuer: vectors.issuer,
  })
  assertProtoIsOrdinary(await fresh.validateAccessToken(token), 'validateAccessToken (keys fetched)')
  // Built in Rust rather than by JSON.parse.
  assertProtoIsOrdinary(await client.validateIdToken(token), 'validateIdToken')

  const engine = new native.NativeSessionEngine(client._native, 'http://127.0.0.1:9/auth/callback',
    ['token-types-session-secret-0123456789'])
  for (const decide of [
    (parts) => engine.requireAuth(parts),
    (parts) => engine.tryRequireAuth(parts) ?? engine.requireAuth(parts),
    (parts) => engine.optionalAuth(parts),
  ]) {
    const decision = await decide({ pathAndQuery: '/api', authorization: `Bearer ${token}` })
    assert.equal(decision.kind, 'continue')
    assert.equal(identityOf(decision).source, 'bearer')
    assertProtoIsOrdinary(identityOf(decision).claims, 'session engine identity')
  }
})

test('nested objects and objects in arrays keep a __proto__ key as an own property too', async () => {
  const signer = new TestSigner('ES256', 'nested-1')
  const keys = await serveJwks(signer.jwks())
  try {
    const issuer = 'https://nested.scalekit.test'
    const now = Math.floor(Date.now() / 1000)
    // JSON.parse makes `__proto__` an own key, which the signer reads as a claim.
    const claims = JSON.parse(`{"iss":"${issuer}","aud":"skc_nested","sub":"usr_1","exp":${now + 300},
      "org":{"name":"acme","__proto__":{"polluted":true}},"list":[{"__proto__":{"polluted":true}}]}`)
    const token = signer.sign(claims)
    const nestedClient = new ScalekitAuth({ environmentUrl: keys.url, clientId: 'skc_nested', clientSecret: 'x', issuer })
    const engine = new native.NativeSessionEngine(nestedClient._native, 'http://127.0.0.1:9/auth/callback',
      ['token-types-session-secret-0123456789'])
    const fromEngine = identityOf(await engine.requireAuth({ pathAndQuery: '/', authorization: `Bearer ${token}` })).claims
    for (const [where, got] of [
      ['validateAccessToken', await nestedClient.validateAccessToken(token)],
      ['validateIdToken', await nestedClient.validateIdToken(token)],
      ['session engine identity', fromEngine],
    ]) {
      for (const object of [got.org, got.list[0]]) {
        assert.equal(Object.getPrototypeOf(object), Object.prototype, where)
        assert.equal(object.polluted, undefined, where)
        assert.ok(Object.hasOwn(object, '__proto__'), where)
        assert.deepEqual(Object.getOwnPropertyDescriptor(object, '__proto__').value.polluted, true, where)
      }
      assert.equal(got.org.name, 'acme', where)
    }
  } finally {
    await keys.close()
  }
})
