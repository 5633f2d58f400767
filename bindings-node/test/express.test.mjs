// The Express integration (Express 5 and 4) against the local provider with 5-second
// access tokens: login -> dashboard -> expiry -> transparent refresh -> logout,
// 401/403 JSON, bearer tokens, a tampered cookie.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'

import { ScalekitAuth } from '../index.mjs'
import { createScalekitExpress } from '../express.mjs'
import { Browser, startIdp } from './helpers.mjs'

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

function makeApp(express) {
  const app = express()
  const auth = createScalekitExpress({
    express,
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
  app.get('/api/me', auth.requireAuth(), (req, res) => res.json({ id: req.auth.user.id, source: req.auth.source }))
  app.get('/admin', auth.requireRoles('admin'), (req, res) => res.json({ admin: req.auth.user.id }))
  app.get('/api/reports', auth.requirePermissions('users:read'), (req, res) => res.json({ reports: req.auth.user.id }))
  return app
}

const HTML = { accept: 'text/html' }
const JSON_ = { accept: 'application/json' }
const expOf = (body) => Number(body.split('<p id=exp>')[1].split('<')[0])

async function logIn(browser, username) {
  let page = await browser.get('/dashboard', HTML)
  assert.equal(page.status, 302)
  assert.equal(page.location, '/auth/login?return_to=%2Fdashboard')
  page = await browser.get(page.location)
  assert.equal(page.status, 302)
  const callback = await idp.browse(page.location, username, `express-${username}`)
  page = await browser.get(callback)
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
    await sleep(3500)
    page = await browser.get('/dashboard', HTML)
    assert.equal(page.status, 200)
    assert.ok(page.setCookies.some((c) => c.startsWith('skauth_session=')))
    assert.ok(expOf(page.body) > firstExp)
    assert.equal(await idp.count('/oauth/token'), 1)

    assert.deepEqual(JSON.parse((await browser.get('/admin')).body), { admin: 'usr_admin' })
    assert.equal(JSON.parse((await browser.get('/api/me', JSON_)).body).source, 'session')
    assert.deepEqual(JSON.parse((await browser.get('/')).body), { user: 'usr_admin' })

    page = await browser.get('/auth/logout')
    assert.equal(page.status, 302)
    assert.ok(!browser.jar.has('skauth_session'))
    const landed = await idp.browse(page.location, 'admin', 'express-admin')
    assert.ok(landed.startsWith(`${base}/?state=`), landed)
    assert.equal((await browser.get('/dashboard', HTML)).status, 302)
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
    page = await anonymous.get('/auth/signup?return_to=%2F%2Fevil.example')
    assert.equal(new URL(page.location).searchParams.get('prompt'), 'create')
  })
}
