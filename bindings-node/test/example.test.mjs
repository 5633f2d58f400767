// The Express example (examples/express) against the local provider.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'

import { Browser, FETCH, NAVIGATE, ROOT, startIdp } from './helpers.mjs'

const require = createRequire(import.meta.url)
const { createApp } = require(path.join(ROOT, 'examples', 'express', 'app.js'))
let cleanup = () => {}
after(() => cleanup())

test('the example logs in, shows its pages and logs out', async () => {
  let app
  const server = http.createServer((req, res) => app(req, res))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const idp = await startIdp({ redirectUris: [`${base}/auth/callback`], postLogoutUris: [`${base}/`] })
  cleanup = () => { idp.stop(); server.closeAllConnections(); server.close() }
  app = createApp({
    environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret,
    redirectUri: `${base}/auth/callback`, postLogoutRedirectUri: `${base}/`,
    sessionSecret: 'example-test-session-secret-0123456789',
  })
  const browser = new Browser(base)
  const sameOrigin = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }
  assert.match((await browser.get('/', NAVIGATE)).body, /Not signed in/)
  assert.equal((await browser.get('/dashboard', FETCH)).status, 401)
  const login = await browser.get('/auth/login?return_to=%2Fdashboard', sameOrigin)
  const callback = await idp.browse(login.location, 'admin', 'example')
  assert.equal((await browser.get(callback, { ...NAVIGATE, 'sec-fetch-site': 'cross-site' })).location, '/dashboard')
  const dashboard = await browser.get('/dashboard', sameOrigin)
  assert.equal(dashboard.status, 200)
  assert.match(dashboard.body, /admin@example.com/)
  assert.match(dashboard.body, /<form method="post" action="\/auth\/logout">/)
  assert.match((await browser.get('/admin')).body, /administrator usr_admin/)
  assert.equal(JSON.parse((await browser.get('/api/me')).body).user.id, 'usr_admin')
  assert.equal(JSON.parse((await browser.get('/api/reports')).body).for, 'usr_admin')
  // A link on another site does not log the user out.
  const crossSite = await browser.get('/auth/logout', { ...NAVIGATE, 'sec-fetch-site': 'cross-site' })
  assert.equal(crossSite.status, 200)
  assert.match(crossSite.body, /<form method="post" action="\/auth\/logout">/)
  assert.equal(crossSite.setCookies.length, 0)
  assert.equal((await browser.get('/api/me')).status, 200, 'still logged in')
  assert.equal((await browser.post('/auth/logout', sameOrigin)).status, 302)
  assert.equal((await browser.get('/api/me', { accept: 'application/json' })).status, 401)
  // 30 logins started and abandoned leave the Cookie header small.
  const restless = new Browser(base)
  for (let i = 0; i < 30; i += 1) {
    assert.equal((await restless.get('/auth/login?return_to=%2Fdashboard', sameOrigin)).status, 302)
  }
  const logins = [...restless.jar.keys()].filter((name) => name.startsWith('skauth_login_'))
  assert.equal(logins.length, 3)
  assert.ok(restless.cookieHeader().length < 4096, `${restless.cookieHeader().length} bytes`)
})

test('sign in with SSO routes a work email to its organization', async () => {
  let app
  const server = http.createServer((req, res) => app(req, res))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const idp = await startIdp({ redirectUris: [`${base}/auth/callback`], postLogoutUris: [`${base}/`] })
  try {
    app = createApp({
      environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret,
      redirectUri: `${base}/auth/callback`, sessionSecret: 'example-sso-test-session-secret-0123456789',
    })
    const browser = new Browser(base)
    const sameOrigin = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }
    assert.match((await browser.get('/sso', NAVIGATE)).body, /name="email"/)
    const toLogin = await browser.get('/sso?email=ada%40acme.com', sameOrigin)
    const login = await browser.get(toLogin.location, sameOrigin)
    const sent = new URL(login.location).searchParams
    assert.equal(sent.get('login_hint'), 'ada@acme.com')
    assert.equal(sent.get('domain_hint'), 'acme.com')
    const callback = await idp.browse(login.location, 'ada@acme.com', 'example-sso')
    assert.equal((await browser.get(callback, { ...NAVIGATE, 'sec-fetch-site': 'cross-site' })).location, '/dashboard')
    const me = JSON.parse((await browser.get('/api/me', FETCH)).body)
    assert.equal(me.user.organizationId, 'org_acme')
    assert.equal(me.user.connectionId, 'conn_acme_okta')
  } finally {
    idp.stop()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
