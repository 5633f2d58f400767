// The session engine's decisions as the binding hands them to adapters, without a
// provider (a JWKS on 127.0.0.1 only): page navigations versus API callers, login and
// logout refusals, the headers of every answer, `__Host-` cookies, and error bodies that
// carry a code and a short message but never the configuration or the details.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

import { ScalekitAuth } from '../index.mjs'
import { TestSigner } from '../testing.mjs'
import { createScalekitExpress } from '../express.mjs'
import { FETCH, NAVIGATE, loadVectors, serveJwks } from './helpers.mjs'

const require = createRequire(import.meta.url)
const native = require('../generated/native.js')
const { identityOf } = require('../adapter.js')
const express = require('express')

const vectors = loadVectors('token_types.json')
const accessToken = vectors.cases.find((c) => c.code === null).token
const SECRET = 'decision-test-session-secret-0123456789'
const REDIRECT = 'http://127.0.0.1:9/auth/callback'
const ANSWER_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
let jwks
let client

before(async () => {
  jwks = await serveJwks(vectors.jwks)
  client = new ScalekitAuth({ environmentUrl: jwks.url, clientId: vectors.client_id, clientSecret: 'x', issuer: vectors.issuer })
})
after(() => jwks.close())

const engineFor = (c = client, options = {}) => new native.NativeSessionEngine(c._native, REDIRECT, [SECRET], options)
const parts = (pathAndQuery, headers = {}, extra = {}) => ({
  pathAndQuery,
  accept: headers.accept,
  secFetchMode: headers['sec-fetch-mode'],
  secFetchSite: headers['sec-fetch-site'],
  ...extra,
})

/** A JSON answer: headers, a body of exactly `{error, message}`, and the error fields. */
function assertJsonAnswer(decision, status, code) {
  assert.equal(decision.kind, 'respond')
  assert.equal(decision.status, status)
  assert.deepEqual(decision.headers, { 'content-type': 'application/json', ...ANSWER_HEADERS })
  const body = JSON.parse(decision.body)
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
  assert.equal(body.error, code)
  assert.equal(decision.errorCode, code)
  assert.equal(decision.errorStatus, status)
  assert.ok(decision.errorDetail.length > 0)
  return body
}

test('without a session, a page navigation is sent to log in and every other caller gets 401 JSON', async () => {
  const engine = engineFor()
  for (const headers of [FETCH, {}, { accept: 'application/json' }, { accept: '*/*' }]) {
    assertJsonAnswer(await engine.requireAuth(parts('/dashboard', headers)), 401, 'session_missing')
  }
  // A browser without Fetch Metadata still counts as one when it asks for HTML...
  for (const headers of [NAVIGATE, { accept: 'text/html' }]) {
    const decision = await engine.requireAuth(parts('/dashboard?tab=1', headers))
    assert.equal(decision.kind, 'redirect')
    assert.equal(decision.status, 302)
    assert.equal(decision.location, '/auth/login?return_to=%2Fdashboard%3Ftab%3D1')
    assert.deepEqual(decision.headers, { location: decision.location, ...ANSWER_HEADERS })
    assert.equal(decision.body, undefined)
    assert.equal(decision.errorCode, 'session_missing')
  }
  // ...but fetch() asking for HTML is not a navigation, and a bearer token marks an API.
  assertJsonAnswer(await engine.requireAuth(parts('/dashboard', { ...FETCH, accept: 'text/html' })), 401, 'session_missing')
  const bearer = await engine.requireAuth(parts('/dashboard', NAVIGATE, { authorization: 'Bearer nope' }))
  assertJsonAnswer(bearer, 401, 'token_malformed')

  const ok = await engine.requireAuth(parts('/api', FETCH, { authorization: `Bearer ${accessToken}` }))
  assert.equal(ok.kind, 'continue')
  assert.equal(ok.status, 200)
  assert.deepEqual(ok.headers, {})
  assert.equal(ok.errorCode, undefined)
  assert.equal(identityOf(ok).user.id, 'usr_1')
})

test('a decision\'s identity is parsed once per distinct identity, frozen, and shared', async () => {
  const engine = engineFor()
  const request = () => engine.requireAuth(parts('/api', FETCH, { authorization: `Bearer ${accessToken}` }))
  const [first, second] = [identityOf(await request()), identityOf(await request())]
  assert.equal(first, second)
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.user) && Object.isFrozen(first.claims))
  assert.ok(Object.isFrozen(first.claims.aud))
  assert.throws(() => { 'use strict'; first.claims.roles.push('admin') }, TypeError)
  assert.deepEqual(identityOf(await request()).claims.roles, first.claims.roles)
  // Other identities (here: 1100 of them, more than are kept) never answer for this one.
  for (let i = 0; i < 1100; i++) {
    const other = JSON.parse((await request()).identityJson)
    other.user.id = `usr_other_${i}`
    assert.equal(identityOf({ identityJson: JSON.stringify(other) }).user.id, `usr_other_${i}`)
  }
  const again = identityOf(await request())
  assert.equal(again.user.id, 'usr_1')
  assert.notEqual(again, first)
  assert.deepEqual(again, first)
})

test('optional routes continue without a user and name the reason', async () => {
  const decision = await engineFor().optionalAuth(parts('/', NAVIGATE))
  assert.equal(decision.kind, 'continue')
  assert.equal(identityOf(decision), null)
  assert.equal(decision.errorCode, 'session_missing')
})

test('only a page navigation starts a login', async () => {
  const engine = engineFor()
  for (const headers of [FETCH, {}]) {
    const decision = await engine.handleLogin(parts('/auth/login', headers), false)
    assertJsonAnswer(decision, 400, 'invalid_argument')
    assert.deepEqual(decision.setCookies, [])
  }
  const decision = await engine.handleLogin(parts('/auth/login?return_to=%2Fdashboard', NAVIGATE), false)
  assert.equal(decision.kind, 'redirect')
  assert.ok(decision.location.startsWith(`${jwks.url}/oauth/authorize?`), decision.location)
  assert.equal(decision.headers.location, decision.location)
  assert.equal(decision.setCookies.length, 1)
  assert.match(decision.setCookies[0], /^skauth_login_[0-9a-f]+=/)
  assert.doesNotMatch(decision.setCookies[0], /Secure/)
})

test('Secure cookies carry the __Host- prefix', async () => {
  const decision = await engineFor(client, { secureCookies: true }).handleLogin(parts('/auth/login', NAVIGATE), true)
  assert.equal(decision.kind, 'redirect')
  const [cookie] = decision.setCookies
  assert.match(cookie, /^__Host-skauth_login_[0-9a-f]+=/)
  assert.match(cookie, /; Secure/)
  assert.match(cookie, /; Path=\//)
  assert.doesNotMatch(cookie, /Domain=/i)
})

test('a logout from another site changes nothing: a page that posts it from here, or 403', async () => {
  const engine = engineFor()
  const crossSite = { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }
  const page = await engine.handleLogout(parts('/auth/logout', crossSite))
  assert.equal(page.kind, 'respond')
  assert.equal(page.status, 200)
  assert.deepEqual(page.headers, {
    'content-type': 'text/html; charset=utf-8',
    ...ANSWER_HEADERS,
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  })
  assert.match(page.body, /<form method="post" action="\/auth\/logout">/)
  assert.deepEqual(page.setCookies, [])
  assert.equal(page.errorCode, 'cross_site_request')

  for (const site of ['cross-site', 'same-site']) {
    const decision = await engine.handleLogout(parts('/auth/logout', { ...FETCH, 'sec-fetch-site': site }))
    assertJsonAnswer(decision, 403, 'cross_site_request')
    assert.deepEqual(decision.setCookies, [])
  }
  for (const [method, headers] of [['GET', NAVIGATE], ['POST', { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }], ['POST', {}]]) {
    const decision = await engine.handleLogout(parts('/auth/logout', headers, { method }))
    assert.equal(decision.kind, 'redirect', `${method} ${JSON.stringify(headers)}`)
    assert.ok(decision.setCookies.some((c) => c.startsWith('skauth_session=') && c.includes('Max-Age=0')))
  }
})

test('error bodies carry a code and a short message, never the configuration or the details', async () => {
  const wrongIssuer = new ScalekitAuth({
    environmentUrl: jwks.url, clientId: vectors.client_id, clientSecret: 'x', issuer: 'https://issuer.internal.example',
  })
  const decision = await engineFor(wrongIssuer).requireAuth(parts('/api', FETCH, { authorization: `Bearer ${accessToken}` }))
  const body = assertJsonAnswer(decision, 401, 'token_invalid_issuer')
  assert.equal(body.message, 'The token was issued by another issuer.')
  for (const secret of ['issuer.internal.example', 'vectors.scalekit.test', jwks.url, '127.0.0.1']) {
    assert.ok(!decision.body.includes(secret), `${secret} in ${decision.body}`)
  }
  assert.match(decision.errorDetail, /issuer\.internal\.example/)

  // A provider that cannot be reached: 5xx, and its URL only in the detail.
  const down = await serveJwks(vectors.jwks)
  await down.close()
  const offline = new ScalekitAuth({ environmentUrl: down.url, clientId: 'skc_1', clientSecret: 'x', httpTimeoutSeconds: 2 })
  const token = new TestSigner().sign({ iss: down.url, aud: 'skc_1', sub: 'usr_1', exp: Math.floor(Date.now() / 1000) + 300 })
  const outage = await engineFor(offline).requireAuth(parts('/api', FETCH, { authorization: `Bearer ${token}` }))
  assert.ok(outage.status >= 500, JSON.stringify(outage))
  assertJsonAnswer(outage, outage.status, outage.errorCode)
  assert.ok(!outage.body.includes(down.url) && !outage.body.includes('127.0.0.1'), outage.body)
  assert.ok(outage.errorDetail.length > JSON.parse(outage.body).message.length)
})

/** Starts `app` on 127.0.0.1; returns its base URL and a close function. */
async function listen(app) {
  const server = http.createServer(app)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => { server.closeAllConnections(); return new Promise((resolve) => server.close(resolve)) },
  }
}

test('Express: onError hears the details the response leaves out; by default only 5xx are logged', async (t) => {
  const down = await serveJwks(vectors.jwks)
  await down.close()
  const options = {
    environmentUrl: down.url, clientId: 'skc_1', clientSecret: 'x', httpTimeoutSeconds: 2,
    redirectUri: REDIRECT, sessionSecret: SECRET,
  }
  const token = new TestSigner().sign({ iss: down.url, aud: 'skc_1', sub: 'usr_1', exp: Math.floor(Date.now() / 1000) + 300 })
  const heard = []
  const custom = createScalekitExpress({ ...options, onError: (error, req) => heard.push([error, req.path]) })
  const quiet = createScalekitExpress(options)
  const app = express()
  app.get('/custom', custom.requireAuth(), (req, res) => res.send('ok'))
  app.get('/default', quiet.requireAuth(), (req, res) => res.send('ok'))
  const { base, close } = await listen(app)
  t.after(close)
  const logged = t.mock.method(console, 'error', () => {})

  let res = await fetch(`${base}/custom`, { headers: { authorization: `Bearer ${token}` } })
  assert.ok(res.status >= 500)
  assert.equal(res.headers.get('content-type'), 'application/json')
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  assert.equal(res.headers.get('cache-control'), 'no-store')
  const body = await res.text()
  assert.ok(!body.includes('127.0.0.1'), body)
  assert.equal(heard.length, 1)
  const [error, path] = heard[0]
  assert.equal(path, '/custom')
  assert.equal(error.code, JSON.parse(body).error)
  assert.equal(error.status, res.status)
  assert.equal(error.name, 'ProviderError')
  // The message is what a page may show (the body's); the details are for logs.
  assert.equal(error.message, JSON.parse(body).message)
  assert.equal(error.publicMessage, error.message)
  assert.ok(error.detail.includes('127.0.0.1') && error.detail !== error.message, error.detail)
  assert.equal(error.reason, undefined)
  res = await fetch(`${base}/custom`, { headers: FETCH })
  assert.equal(res.status, 401)
  assert.equal(heard.length, 2)
  assert.equal(heard[1][0].code, 'session_missing')
  assert.equal(logged.mock.callCount(), 0)

  res = await fetch(`${base}/default`, { headers: FETCH })
  assert.equal(res.status, 401)
  assert.equal(logged.mock.callCount(), 0)
  res = await fetch(`${base}/default`, { headers: { authorization: `Bearer ${token}` } })
  assert.ok(res.status >= 500)
  assert.equal(logged.mock.callCount(), 1)
  assert.match(String(logged.mock.calls[0].arguments[0]), /^scalekit-auth: \w+: .*127\.0\.0\.1/)
})
