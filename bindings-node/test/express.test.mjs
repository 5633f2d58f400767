// The Express integration (Express 5 and 4) against the local provider with 5-second
// access tokens: login -> dashboard -> expiry -> transparent refresh -> logout,
// 401/403 answers, bearer tokens, a tampered cookie, page navigations versus API callers,
// the cap on pending logins, cross-site logout, escaped login error pages, and refreshed
// cookies that survive a failing route.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'

import { LoginDeniedError, ScalekitAuth } from '../index.mjs'
import { createScalekitExpress } from '../express.mjs'
import { LocalProvider } from '../testing.mjs'
import { Browser, FETCH, NAVIGATE, startIdp } from './helpers.mjs'

const require = createRequire(import.meta.url)
const VERSIONS = { 'Express 5': require('express'), 'Express 4': require('express4') }

let server
let base
let idp
let current // the app that answers, swapped per Express version

before(async () => {
  server = http.createServer((req, res) => current(req, res))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${server.address().port}`
  idp = await startIdp({ redirectUris: [`${base}/auth/callback`], postLogoutUris: [`${base}/`] })
})
after(async () => {
  idp.stop()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function makeApp(express, extra = {}) {
  const app = express()
  const auth = createScalekitExpress({
    ...extra,
    environmentUrl: idp.url,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    redirectUri: `${base}/auth/callback`,
    sessionSecret: 'express-test-session-secret-0123456789',
    postLogoutRedirectUri: `${base}/`,
    refreshWindowSeconds: 2,
  })
  app.use(auth.router)
  app.get('/', auth.optionalAuth(), (req, res) => res.json({ user: req.auth?.user.id ?? null }))
  app.get('/dashboard', auth.requireAuth(), (req, res) => res.send(`<p>${req.auth.user.email}</p><p id=exp>${req.auth.claims.exp}</p>`))
  app.get('/api/me', auth.requireAuth(), (req, res) => res.json({ id: req.auth.user.id, source: req.auth.source, appData: req.auth.appData ?? null }))
  app.get('/admin', auth.requireRoles('admin'), (req, res) => res.json({ admin: req.auth.user.id }))
  app.get('/api/reports', auth.requirePermissions('users:read'), (req, res) => res.json({ reports: req.auth.user.id }))
  app.post('/ban/:id', auth.requireRoles('admin'), async (req, res) => {
    await auth.endSessionsFor(req.params.id)
    res.sendStatus(204)
  })
  // Routes that fail after the guard let them through.
  app.get('/fail/next', auth.requireAuth(), (req, res, next) => next(new Error('route failed')))
  app.get('/fail/throw', auth.requireAuth(), () => { throw Object.assign(new Error('route threw'), { handled: true }) })
  app.get('/fail/async', auth.requireAuth(), async () => { await sleep(1); throw new Error('async route threw') })
  app.use((error, req, res, next) => error.handled ? res.status(500).json({ failed: true }) : next(error))
  return app
}

const HTML = NAVIGATE
const JSON_ = { accept: 'application/json' }
const SAME_ORIGIN = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }
const CROSS_SITE = { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }
const expOf = (body) => Number(body.split('<p id=exp>')[1].split('<')[0])
const loginCookies = (browser) => [...browser.jar.keys()].filter((name) => name.startsWith('skauth_login_'))

async function logIn(browser, username) {
  let page = await browser.get('/dashboard', HTML)
  assert.equal(page.status, 302)
  assert.equal(page.location, '/auth/login?return_to=%2Fdashboard')
  page = await browser.get(page.location, SAME_ORIGIN)
  assert.equal(page.status, 302)
  const callback = await idp.browse(page.location, username, `express-${username}`)
  page = await browser.get(callback, CROSS_SITE)
  assert.equal(page.status, 302, page.body)
  assert.equal(page.location, '/dashboard')
  assert.ok(browser.jar.has('skauth_session'))
}

for (const [name, express] of Object.entries(VERSIONS)) {
  test(`${name}: login, dashboard, transparent refresh, logout`, async () => {
    current = makeApp(express)
    const browser = new Browser(base)
    await logIn(browser, 'admin')
    let page = await browser.get('/dashboard', HTML)
    assert.equal(page.status, 200)
    assert.match(page.body, /admin@example.com/)
    const firstExp = expOf(page.body)

    await idp.resetCounts()
    await sleep(4200) // into the refresh window of the 5-second tokens (their last second)
    page = await browser.get('/dashboard', HTML)
    assert.equal(page.status, 200)
    assert.ok(page.setCookies.some((c) => c.startsWith('skauth_session=')))
    assert.ok(expOf(page.body) > firstExp)
    assert.equal(await idp.count('/oauth/token'), 1)

    assert.deepEqual(JSON.parse((await browser.get('/admin')).body), { admin: 'usr_admin' })
    assert.equal(JSON.parse((await browser.get('/api/me', JSON_)).body).source, 'session')
    assert.deepEqual(JSON.parse((await browser.get('/')).body), { user: 'usr_admin' })

    page = await browser.get('/auth/logout', SAME_ORIGIN)
    assert.equal(page.status, 302)
    assert.ok(!browser.jar.has('skauth_session'))
    const landed = await idp.browse(page.location, 'admin', 'express-admin')
    assert.ok(landed.startsWith(`${base}/?state=`), landed)
    assert.equal((await browser.get('/dashboard', HTML)).status, 302)
  })

  test(`${name}: the app ends one user's sessions`, async () => {
    current = makeApp(express)
    const admin = new Browser(base)
    const viewer = new Browser(base)
    await logIn(admin, 'admin')
    await logIn(viewer, 'viewer')
    assert.equal((await admin.post('/ban/usr_viewer', SAME_ORIGIN)).status, 204)
    const ended = await viewer.get('/api/me', JSON_)
    assert.equal(ended.status, 401)
    assert.equal(JSON.parse(ended.body).error, 'session_expired')
    assert.equal((await admin.get('/api/me', JSON_)).status, 200, 'only that user ends')
  })

  test(`${name}: 401/403 JSON, bearer tokens, tampered cookie, callback errors`, async () => {
    current = makeApp(express)
    const anonymous = new Browser(base)
    let page = await anonymous.get('/api/me', JSON_)
    assert.equal(page.status, 401)
    assert.equal(JSON.parse(page.body).error, 'session_missing')

    const token = await new ScalekitAuth({ environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret }).getClientAccessToken()
    page = await anonymous.get('/api/me', { authorization: `Bearer ${token}` })
    assert.equal(page.status, 200)
    assert.equal(JSON.parse(page.body).source, 'bearer')
    page = await anonymous.get('/api/me', { authorization: 'Bearer nope' })
    assert.equal(page.status, 401)
    assert.equal(JSON.parse(page.body).error, 'token_malformed')

    const viewer = new Browser(base)
    await logIn(viewer, 'viewer')
    page = await viewer.get('/admin', HTML)
    assert.equal(page.status, 403)
    assert.match(page.contentType, /^text\/html/)
    assert.match(page.body, /insufficient_scope/)
    page = await viewer.get('/admin', FETCH)
    assert.equal(page.status, 403)
    assert.equal(JSON.parse(page.body).error, 'insufficient_scope')
    assert.deepEqual(JSON.parse((await viewer.get('/api/reports')).body), { reports: 'usr_viewer' })

    const value = viewer.jar.get('skauth_session')
    viewer.jar.set('skauth_session', value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11))
    page = await viewer.get('/dashboard', HTML)
    assert.equal(page.status, 302)
    assert.ok(page.location.startsWith('/auth/login'))
    assert.ok(page.setCookies.some((c) => c.includes('Max-Age=0')))

    page = await anonymous.get('/auth/callback?code=x&state=forged')
    assert.equal(page.status, 400)
    assert.equal(JSON.parse(page.body).error, 'state_mismatch')
    page = await anonymous.get('/auth/signup?return_to=%2F%2Fevil.example', HTML)
    assert.equal(new URL(page.location).searchParams.get('prompt'), 'create')
  })

  test(`${name}: page navigations go to log in, every other caller gets 401 JSON`, async () => {
    current = makeApp(express)
    const browser = new Browser(base)
    let page = await browser.get('/dashboard', FETCH)
    assert.equal(page.status, 401)
    assert.equal(page.contentType, 'application/json')
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(page.headers.get('cache-control'), 'no-store')
    assert.equal(JSON.parse(page.body).error, 'session_missing')
    page = await browser.get('/dashboard', NAVIGATE)
    assert.equal(page.status, 302)
    assert.equal(page.location, '/auth/login?return_to=%2Fdashboard')
    assert.equal(page.body, '')
    // A script cannot start logins: no login cookie piles up.
    page = await browser.get('/auth/login?return_to=%2Fdashboard', FETCH)
    assert.equal(page.status, 400)
    assert.equal(JSON.parse(page.body).error, 'invalid_argument')
    assert.deepEqual(page.setCookies, [])
    // A prefetch (speculation rules, old Purpose header too) starts nothing and keeps nothing.
    for (const purpose of [{ 'sec-purpose': 'prefetch;prerender' }, { purpose: 'prefetch' }]) {
      page = await browser.get('/dashboard', { ...NAVIGATE, ...purpose })
      assert.equal(page.status, 401)
      assert.equal(page.headers.get('cache-control'), 'no-store')
      page = await browser.get('/auth/login?return_to=%2Fdashboard', { ...NAVIGATE, ...purpose })
      assert.equal(page.status, 401)
      assert.deepEqual(page.setCookies, [])
    }
  })

  test(`${name}: 30 login starts leave at most 3 login cookies, and the last one completes`, async () => {
    current = makeApp(express)
    const browser = new Browser(base)
    let start
    for (let i = 0; i < 30; i++) {
      start = await browser.get(`/auth/login?return_to=%2Fdashboard%3Fn%3D${i}`, NAVIGATE)
      assert.equal(start.status, 302)
      assert.ok(loginCookies(browser).length <= 3, `after ${i + 1} starts: ${loginCookies(browser)}`)
    }
    assert.equal(loginCookies(browser).length, 3)
    assert.ok(Buffer.byteLength(`cookie: ${browser.cookieHeader()}`) < 4096, browser.cookieHeader().length)
    const callback = await idp.browse(start.location, 'jane', `express-pile-${name}`)
    const page = await browser.get(callback, CROSS_SITE)
    assert.equal(page.status, 302, page.body)
    assert.equal(page.location, '/dashboard?n=29')
    assert.equal((await browser.get('/api/me', FETCH)).status, 200)
  })

  test(`${name}: a cross-site logout asks first; same-origin and POST logouts end the session`, async () => {
    current = makeApp(express)
    const browser = new Browser(base)
    await logIn(browser, 'jane')

    let page = await browser.get('/auth/logout', CROSS_SITE)
    assert.equal(page.status, 200)
    assert.equal(page.contentType, 'text/html; charset=utf-8')
    assert.match(page.body, /<form method="post" action="\/auth\/logout">/)
    assert.deepEqual(page.setCookies, [])
    page = await browser.get('/auth/logout', { ...FETCH, 'sec-fetch-site': 'cross-site' })
    assert.equal(page.status, 403)
    assert.equal(JSON.parse(page.body).error, 'cross_site_request')
    page = await browser.post('/auth/logout', { ...FETCH, 'sec-fetch-site': 'cross-site' })
    assert.equal(page.status, 403)
    assert.equal((await browser.get('/api/me', FETCH)).status, 200, 'the session survives')

    // The confirmation page's form: a same-origin POST.
    page = await browser.post('/auth/logout', { ...SAME_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, '')
    assert.equal(page.status, 302)
    assert.ok(page.location.startsWith(`${idp.url}/`), page.location)
    assert.ok(!browser.jar.has('skauth_session'))
    assert.equal((await browser.get('/api/me', FETCH)).status, 401)

    await logIn(browser, 'jane')
    page = await browser.get('/auth/logout', SAME_ORIGIN)
    assert.equal(page.status, 302)
    assert.ok(!browser.jar.has('skauth_session'))
    assert.equal((await browser.get('/api/me', FETCH)).status, 401)
  })

  test(`${name}: a denied login shows an escaped page, never the provider's text`, async () => {
    current = makeApp(express)
    const browser = new Browser(base)
    const start = await browser.get('/auth/login?return_to=%2Fdashboard', NAVIGATE)
    const state = new URL(start.location).searchParams.get('state')
    const query = new URLSearchParams({ error: 'access_denied', error_description: '<script>alert(1)</script>', state })
    const page = await browser.get(`/auth/callback?${query}`, CROSS_SITE)
    assert.equal(page.status, 401)
    assert.equal(page.contentType, 'text/html; charset=utf-8')
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(page.headers.get('cache-control'), 'no-store')
    assert.ok(!page.body.includes('<script>'), page.body)
    assert.ok(!page.body.includes('alert(1)'), page.body)
    assert.match(page.body, /authorization_denied/)
    assert.match(page.body, /href="\/auth\/login\?return_to=[^"]*">Try again</)
    assert.equal(loginCookies(browser).length, 0, 'the failed login is cleared')
  })

  test(`${name}: JSON error bodies never name the provider or the configuration`, async () => {
    current = makeApp(express)
    const other = await new LocalProvider({ clientId: idp.clientId }).start()
    try {
      const browser = new Browser(base)
      for (const [route, headers] of [
        ['/api/me', FETCH],
        ['/api/me', { authorization: `Bearer ${other.mint({ sub: 'usr_x' })}` }],
        ['/api/me', { authorization: `Bearer ${other.mint({ sub: 'usr_x', iss: idp.url })}` }],
        ['/auth/callback?code=x&state=forged', FETCH],
        ['/auth/logout', { ...FETCH, 'sec-fetch-site': 'cross-site' }],
      ]) {
        const page = await browser.get(route, headers)
        assert.ok(page.status >= 400, `${route}: ${page.status}`)
        assert.equal(page.contentType, 'application/json')
        const body = JSON.parse(page.body)
        assert.deepEqual(Object.keys(body).sort(), ['error', 'message'])
        for (const secret of [idp.url, other.url, '127.0.0.1', 'localhost', idp.clientSecret]) {
          assert.ok(!page.body.includes(secret), `${route}: ${secret} in ${page.body}`)
        }
      }
    } finally {
      await other.stop()
    }
  })

  test(`${name}: a refreshed session reaches the browser even when the route fails`, async () => {
    current = makeApp(express)
    const routes = ['/fail/next', '/fail/throw', ...(name === 'Express 5' ? ['/fail/async'] : [])]
    const browsers = routes.map(() => new Browser(base))
    for (const [i, browser] of browsers.entries()) await logIn(browser, `fail${i}`)
    await sleep(4200) // into the refresh window of the 5-second tokens (their last second)
    for (const [i, route] of routes.entries()) {
      const browser = browsers[i]
      const before = browser.jar.get('skauth_session')
      const page = await browser.get(route, FETCH)
      assert.equal(page.status, 500, route)
      const cookie = page.setCookies.find((c) => c.startsWith('skauth_session='))
      assert.ok(cookie, `${route}: no session cookie in ${page.setCookies}`)
      assert.notEqual(browser.jar.get('skauth_session'), before, route)
      // The refresh token rotated: only the new cookie keeps the session.
      assert.equal((await browser.get('/api/me', FETCH)).status, 200, route)
    }
  })
}

test('afterCallback keeps app data in the session or denies the login', async () => {
  const seen = []
  current = makeApp(VERSIONS['Express 5'], {
    afterCallback: async (login, req) => {
      seen.push([login.user.email, req.path])
      if (login.user.email.startsWith('mallory@')) throw new LoginDeniedError("Mallory's organization is not allowed here.")
      if (login.user.email.startsWith('cyclic@')) {
        const looped = {}
        looped.self = looped
        return looped
      }
      return { plan: 'team', org: login.user.organizationId, roles: login.accessTokenClaims.roles }
    },
  })
  const browser = new Browser(base)
  await logIn(browser, 'admin')
  const me = JSON.parse((await browser.get('/api/me', FETCH)).body)
  assert.deepEqual(me.appData, { plan: 'team', org: 'org_local', roles: ['admin'] })

  const mallory = new Browser(base)
  const start = await mallory.get('/auth/login?return_to=%2Fdashboard', SAME_ORIGIN)
  const callback = await idp.browse(start.location, 'mallory', 'express-mallory')
  const denied = await mallory.get(callback, CROSS_SITE)
  assert.equal(denied.status, 403)
  assert.match(denied.body, /Mallory&#39;s organization is not allowed here\./)
  assert.match(denied.body, /login_denied/)
  assert.ok(!mallory.jar.has('skauth_session'))
  assert.deepEqual(seen.map(([email, path]) => [email.split('@')[0], path]), [['admin', '/auth/callback'], ['mallory', '/auth/callback']])

  // App data that is not JSON is the app's bug: a 500 naming the hook, no session, and
  // the process goes on serving.
  const cyclic = new Browser(base)
  const started = await cyclic.get('/auth/login', SAME_ORIGIN)
  const failed = await cyclic.get(await idp.browse(started.location, 'cyclic', 'express-cyclic'), CROSS_SITE)
  assert.equal(failed.status, 500)
  assert.ok(!cyclic.jar.has('skauth_session'))
  assert.equal((await browser.get('/api/me', FETCH)).status, 200)
})

test('IdP-initiated login: the provider sends the user to the login route, which lands on the relay state', async () => {
  current = makeApp(VERSIONS['Express 5'])
  for (const [relay, landing] of [['/api/reports', '/api/reports'], ['//evil.example/x', '/']]) {
    const start = new URL(`${idp.url}/sso/idp-initiated`)
    start.search = new URLSearchParams({
      initiate_login_uri: `${base}/auth/login`, connection_id: 'conn_local', organization_id: 'org_local', relay_state: relay,
    }).toString()
    const fromIdp = await fetch(start, { redirect: 'manual' })
    assert.equal(fromIdp.status, 302)
    const loginUrl = fromIdp.headers.get('location')
    assert.ok(loginUrl.startsWith(`${base}/auth/login?idp_initiated_login=`), loginUrl)

    const browser = new Browser(base)
    const login = await browser.get(loginUrl.slice(base.length), CROSS_SITE)
    assert.equal(login.status, 302, login.body)
    const authorize = new URL(login.location)
    assert.equal(authorize.searchParams.get('connection_id'), 'conn_local')
    assert.equal(authorize.searchParams.get('organization_id'), 'org_local')
    assert.notEqual(authorize.searchParams.get('state'), relay, 'the state stays random')
    const callback = await idp.browse(login.location, 'viewer', `express-idp-initiated-${landing}`)
    const landed = await browser.get(callback, CROSS_SITE)
    assert.equal(landed.status, 302, landed.body)
    assert.equal(landed.location, landing)
    assert.ok(browser.jar.has('skauth_session'))
  }
  // A token this provider did not sign starts nothing.
  const forged = await new Browser(base).get('/auth/login?idp_initiated_login=eyJhbGciOiJIUzI1NiJ9.e30.x', CROSS_SITE)
  assert.equal(forged.status, 401)
})

test('an app with sessions of its own gets the verified user and opens its own (Modular SSO)', async () => {
  current = makeApp(VERSIONS['Express 5'], {
    afterCallback: (login, req, res) => {
      res.cookie('myapp_session', `user=${login.user.id}`, { httpOnly: true, sameSite: 'lax' })
      return false
    },
  })
  const browser = new Browser(base)
  const login = await browser.get('/auth/login?login_hint=ada%40acme.com&domain_hint=acme.com&return_to=%2Fhome', SAME_ORIGIN)
  const sent = new URL(login.location).searchParams
  assert.equal(sent.get('login_hint'), 'ada@acme.com')
  assert.equal(sent.get('domain_hint'), 'acme.com')
  const callback = await idp.browse(login.location, 'ada@acme.com', 'express-own-session')
  const landed = await browser.get(callback, CROSS_SITE)
  assert.equal(landed.status, 302, landed.body)
  assert.equal(landed.location, '/home')
  assert.equal(decodeURIComponent(browser.jar.get('myapp_session')), 'user=usr_ada@acme.com')
  assert.ok(!browser.jar.has('skauth_session'))
  assert.deepEqual(loginCookies(browser), [], 'the login cookie is cleared')
})
