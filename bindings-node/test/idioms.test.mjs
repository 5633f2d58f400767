// What an Express or Fetch-API developer reaches for: signed-in test requests without a
// provider login, identities for unit tests, settings that fall back to SCALEKIT_* one
// by one, a global middleware, the app's own error pages (onError, next(err)), bearer-only
// APIs, cookie options, startup checks and login routing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

import { ConfigurationError, setLogger } from '../index.mjs'
import { createScalekitBearer, createScalekitExpress } from '../express.mjs'
import { createScalekitWeb } from '../web.mjs'
import { LocalProvider, createIdentity, sessionCookieFor } from '../testing.mjs'
import { Browser, FETCH, NAVIGATE } from './helpers.mjs'

const require = createRequire(import.meta.url)
const express = require('express')

const SECRET = 'idioms-test-session-secret-0123456789'
const REDIRECT_URI = 'http://localhost/auth/callback'
let provider

before(async () => {
  provider = await new LocalProvider({ clientId: 'skc_idioms' }).start()
})
after(() => provider.stop())

function settings(extra = {}) {
  return {
    environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret,
    redirectUri: REDIRECT_URI, sessionSecret: SECRET, ...extra,
  }
}

/** A request with exactly `headers` (node:http: fetch() would send `sec-fetch-mode: cors`). */
function call(base, route, headers = {}, method = 'GET') {
  return new Browser(base).request(method, route, headers)
}
const json = (answer) => JSON.parse(answer.body)

/** Serves `app` on 127.0.0.1 for the length of `use(base)`. */
async function serving(app, use) {
  const server = http.createServer(app)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await use(`http://127.0.0.1:${server.address().port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

function makeApp(auth, { errorHandler = false } = {}) {
  const app = express()
  app.use(auth.router)
  app.use(auth.middleware())
  app.get('/', (req, res) => res.json({ user: req.auth?.user.id ?? null }))
  app.get('/admin', auth.requireRoles('admin'), (req, res) => res.json({ admin: req.auth.user.id }))
  app.get('/me', auth.requireAuth(), (req, res) => res.json({ id: req.auth.user.id, org: req.auth.user.organizationId }))
  if (errorHandler) {
    app.use((err, req, res, _next) => {
      res.status(err.status ?? 500).type('html').send(`<h1>Our page: ${err.code}</h1><a href="${err.retryPath ?? '/'}">retry</a>`)
    })
  }
  return app
}

test('a session cookie for tests signs the app in with the chosen grants', async () => {
  const auth = createScalekitExpress(settings())
  const cookie = await sessionCookieFor(auth, provider, { userId: 'usr_ada', roles: ['admin'], organizationId: 'org_acme' })
  const viewer = await sessionCookieFor(auth, provider, { userId: 'usr_bob', roles: ['viewer'] })
  const expired = await sessionCookieFor(auth, provider, { expiresIn: -60 })
  await serving(makeApp(auth), async (base) => {
    assert.deepEqual(json(await call(base, '/me', { ...FETCH, cookie })), { id: 'usr_ada', org: 'org_acme' })
    assert.equal((await call(base, '/admin', { ...FETCH, cookie })).status, 200)
    const refused = await call(base, '/admin', { ...FETCH, cookie: viewer })
    assert.equal(refused.status, 403)
    assert.equal(json(refused).error, 'insufficient_scope')
    // A viewer who opens /admin in a browser reads a page, not JSON.
    const page = await call(base, '/admin', { ...NAVIGATE, cookie: viewer })
    assert.equal(page.status, 403)
    assert.match(page.contentType, /^text\/html/)
    assert.match(page.body, /Access denied/)
    assert.equal(json(await call(base, '/me', { ...FETCH, cookie: expired })).error, 'session_expired')
    // The global middleware sets req.auth everywhere, and never refuses.
    assert.deepEqual(json(await call(base, '/', { cookie })), { user: 'usr_ada' })
    assert.deepEqual(json(await call(base, '/', { authorization: 'Bearer bad' })), { user: null })
  })
  await assert.rejects(sessionCookieFor(auth, provider, { claims: { roles: 3 } }), { code: 'token_invalid_claim' })
  await assert.rejects(sessionCookieFor({}, provider), TypeError)
})

test('the web adapter takes test cookies too, and onError may answer with a Response', async () => {
  const seen = []
  const auth = createScalekitWeb(settings({
    onError: (error, request) => {
      seen.push([error.code, error.status, error.retryPath])
      if (error.code === 'insufficient_scope') return new Response('<h1>Admins only</h1>', { status: 403, headers: { 'content-type': 'text/html' } })
      return undefined
    },
  }))
  const viewer = await sessionCookieFor(auth, provider, { roles: ['viewer'] })
  const { response } = await auth.authenticate(new Request('http://localhost/admin', { headers: { ...NAVIGATE, cookie: viewer } }), { roles: ['admin'] })
  assert.equal(response.status, 403)
  assert.equal(await response.text(), '<h1>Admins only</h1>')
  const failed = await auth.handleAuth(new Request('http://localhost/auth/callback?code=c&state=x', { headers: NAVIGATE }))
  assert.equal(failed.status, 400)
  assert.match(await failed.text(), /Try again/, 'undefined keeps the built-in page')
  assert.deepEqual(seen.at(-1), ['state_mismatch', 400, '/auth/login?return_to=%2F'])
})

test('identities are built for unit tests', () => {
  const identity = createIdentity({ userId: 'usr_1', email: 'a@example.com', roles: ['admin'], claims: { tier: 'gold' } })
  assert.equal(identity.user.id, 'usr_1')
  assert.equal(identity.user.email, 'a@example.com')
  assert.deepEqual(identity.claims.roles, ['admin'])
  assert.equal(identity.claims.tier, 'gold')
  assert.equal(identity.source, 'session')
  assert.throws(() => createIdentity({ nickname: 'x' }), { code: 'invalid_argument' })
})

test('settings fall back to SCALEKIT_* one by one', async () => {
  const saved = { ...process.env }
  try {
    Object.assign(process.env, {
      SCALEKIT_ENVIRONMENT_URL: provider.url, SCALEKIT_CLIENT_ID: provider.clientId,
      SCALEKIT_CLIENT_SECRET: provider.clientSecret, SCALEKIT_SESSION_SECRET: SECRET,
      SCALEKIT_REDIRECT_URI: 'http://localhost/elsewhere/callback',
    })
    // Only the redirect URI in code: the secret still comes from the environment.
    const auth = createScalekitExpress({ redirectUri: 'http://127.0.0.1:4000/auth/callback' })
    const cookie = await sessionCookieFor(auth, provider, { userId: 'usr_env' })
    await serving(makeApp(auth), async (base) => {
      assert.equal(json(await call(base, '/me', { ...FETCH, cookie })).id, 'usr_env')
    })
    delete process.env.SCALEKIT_CLIENT_SECRET
    assert.throws(() => createScalekitExpress({ clientId: 'skc_x', redirectUri: REDIRECT_URI }), (error) =>
      error instanceof ConfigurationError && /clientSecret is not set; pass it or set SCALEKIT_CLIENT_SECRET/.test(error.message))
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  }
})

test('browser refusals go to next(err) when asked; API callers keep JSON', async () => {
  const auth = createScalekitExpress(settings({ browserErrors: 'next' }))
  const viewer = await sessionCookieFor(auth, provider, { roles: ['viewer'] })
  await serving(makeApp(auth, { errorHandler: true }), async (base) => {
    const page = await call(base, '/admin', { ...NAVIGATE, cookie: viewer })
    assert.equal(page.status, 403)
    assert.match(page.body, /Our page: insufficient_scope/)
    assert.equal(json(await call(base, '/admin', { ...FETCH, cookie: viewer })).error, 'insufficient_scope')
    const failed = await call(base, '/auth/callback?code=c&state=x', NAVIGATE)
    assert.equal(failed.status, 400)
    assert.match(failed.body, /Our page: state_mismatch<\/h1><a href="\/auth\/login\?return_to=%2F">/)
    // A login redirect is no error page.
    assert.equal((await call(base, '/me', NAVIGATE)).status, 302)
  })
  assert.throws(() => createScalekitExpress(settings({ browserErrors: 'json' })), TypeError)
})

test('onError may render the app page through res', async () => {
  const auth = createScalekitExpress(settings({
    onError: (error, req, res) => {
      if (res && error.status === 403) res.status(403).send(`custom ${error.code} for ${req.path}`)
    },
  }))
  const viewer = await sessionCookieFor(auth, provider, { roles: ['viewer'] })
  await serving(makeApp(auth), async (base) => {
    assert.equal((await call(base, '/admin', { ...NAVIGATE, cookie: viewer })).body, 'custom insufficient_scope for /admin')
    assert.equal((await call(base, '/me', NAVIGATE)).status, 302, 'a redirect to log in is not handed res')
  })
})

test('bearer-only APIs need no session settings', async () => {
  const api = createScalekitBearer({ environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret })
  const app = express()
  app.get('/reports', api.requireScopes('reports:read'), (req, res) => res.json({ caller: req.auth.user.id, source: req.auth.source }))
  await serving(app, async (base) => {
    const missing = await fetch(`${base}/reports`)
    assert.equal(missing.status, 401)
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer')
    assert.equal((await missing.json()).error, 'token_missing')
    const bad = await fetch(`${base}/reports`, { headers: { authorization: 'Bearer nope' } })
    assert.equal(bad.headers.get('www-authenticate'), 'Bearer error="invalid_token"')
    const narrow = provider.mint({ sub: 'usr_svc', scopes: ['other'] })
    const refused = await fetch(`${base}/reports`, { headers: { authorization: `Bearer ${narrow}` } })
    assert.equal(refused.status, 403)
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer error="insufficient_scope"')
    const token = provider.mint({ sub: 'usr_svc', scopes: ['reports:read'] })
    const ok = await fetch(`${base}/reports`, { headers: { authorization: `Bearer ${token}` } })
    assert.deepEqual(await ok.json(), { caller: 'usr_svc', source: 'bearer' })
  })
})

test('route prefix and redirect URI are checked against each other', () => {
  assert.throws(() => createScalekitExpress(settings({ prefix: '/account' })), (error) =>
    error.code === 'invalid_config' && error.message.includes('/auth/callback') && error.message.includes('/account/callback'))
  assert.throws(() => createScalekitWeb(settings({ redirectUri: 'http://localhost/cb' })), { code: 'invalid_config' })
})

test('a router mounted below a path serves its routes there or says what to change', async () => {
  const shop = (auth) => {
    const app = express()
    const sub = express.Router()
    sub.use(auth.router)
    sub.get('/orders', auth.requireAuth(), (req, res) => res.json({ id: req.auth.user.id }))
    app.use('/shop', sub)
    app.use((err, req, res, _next) => res.status(err.status ?? 500).json({ error: err.code, message: err.message }))
    return app
  }
  const mounted = createScalekitExpress(settings({ prefix: '/shop/auth', redirectUri: 'http://localhost/shop/auth/callback' }))
  await serving(shop(mounted), async (base) => {
    const toLogin = await call(base, '/shop/orders', NAVIGATE)
    assert.equal(toLogin.location, '/shop/auth/login?return_to=%2Fshop%2Forders')
    const login = await call(base, toLogin.location, NAVIGATE)
    assert.equal(login.status, 302)
    assert.ok(login.location.startsWith(provider.url), login.location)
    const failed = await call(base, '/shop/auth/callback?code=c&state=x', FETCH)
    assert.equal(json(failed).error, 'state_mismatch')
  })
  const unaware = createScalekitExpress(settings({ redirectUri: 'http://localhost/shop/auth/callback' }))
  await serving(shop(unaware), async (base) => {
    const login = await call(base, '/shop/auth/login', NAVIGATE)
    assert.equal(login.status, 500)
    assert.equal(json(login).error, 'invalid_config')
    assert.match(json(login).message, /mounted at "\/shop".*prefix: "\/shop\/auth"/)
  })
  // Mounted where its prefix says, a request for a doubled path is just another page.
  const at = express()
  at.use('/auth', createScalekitExpress(settings()).router)
  await serving(at, async (base) => {
    assert.equal((await call(base, '/auth/login', NAVIGATE)).status, 302)
    assert.equal((await call(base, '/auth/auth/login', NAVIGATE)).status, 404)
  })
})

test('cookie options shape the session cookie', async () => {
  const auth = createScalekitExpress(settings({
    redirectUri: 'https://app.example.com/auth/callback', cookieDomain: 'example.com', sameSite: 'strict',
  }))
  assert.equal(auth.engine.sessionCookieName, '__Secure-skauth_session')
  const cookie = await sessionCookieFor(auth, provider)
  await serving(makeApp(auth), async (base) => {
    const out = await call(base, '/auth/logout', { ...NAVIGATE, 'sec-fetch-site': 'same-origin', cookie }, 'POST')
    const cleared = out.setCookies.find((c) => c.startsWith('__Secure-skauth_session='))
    assert.match(cleared, /Domain=example\.com/)
    assert.match(cleared, /SameSite=Strict/)
  })
  assert.throws(() => createScalekitExpress(settings({ sameSite: 'sometimes' })), (error) =>
    error.code === 'invalid_argument' && /sameSite/.test(error.message))
})

test('organization and connection routing reach the provider', async () => {
  const auth = createScalekitExpress(settings())
  await serving(makeApp(auth), async (base) => {
    const query = 'organization_id=org_1&connection_id=conn_1&login_hint=ada%40acme.com&domain_hint=acme.com'
    const login = await call(base, `/auth/login?${query}`, NAVIGATE)
    const sent = new URL(login.location).searchParams
    assert.equal(sent.get('organization_id'), 'org_1')
    assert.equal(sent.get('connection_id'), 'conn_1')
    assert.equal(sent.get('login_hint'), 'ada@acme.com')
    assert.equal(sent.get('domain_hint'), 'acme.com')
  })
})

test('the core logs through setLogger or the logger option, never a token', async () => {
  const records = []
  const auth = createScalekitExpress(settings({ logger: (record) => records.push(record) }))
  try {
    await serving(makeApp(auth), async (base) => {
      const login = await call(base, '/auth/login?organization_id=org_9%0Alogin%20finished%20user%3Dforged', NAVIGATE)
      assert.equal(login.status, 302)
      const failed = await call(base, '/auth/callback?code=c&state=x', NAVIGATE)
      assert.equal(failed.status, 400)
    })
    for (let i = 0; i < 50 && records.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = records.find((r) => r.message.startsWith('login started'))
    assert.equal(started?.level, 'info')
    // Request input is quoted and escaped: it cannot start a log line of its own.
    assert.match(started.message, /organization_id="org_9\\nlogin finished user=forged"/)
    assert.ok(records.every((r) => !r.message.includes('\n')), JSON.stringify(records))
    assert.ok(records.some((r) => r.message.startsWith('login failed') && /code="?state_mismatch/.test(r.message)), JSON.stringify(records))
    assert.ok(!records.some((r) => r.message.includes('eyJ')))
  } finally {
    setLogger(null)
  }
})
