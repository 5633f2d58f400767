// scalekit-auth/next without a Next.js build: next/headers, next/navigation and
// next/server replaced by small fakes in a temporary app directory (the package resolves
// next/* from the app's directory), against a private local provider with 5-second
// access tokens. The built example is tested from outside in nextjs.test.mjs.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { FETCH, NAVIGATE, startIdp } from './helpers.mjs'

const require = createRequire(import.meta.url)
const BASE = 'http://127.0.0.1:8766'
const SAME_ORIGIN = { ...NAVIGATE, 'sec-fetch-site': 'same-origin' }

const FAKES = {
  'headers.js': 'exports.headers = async () => globalThis.__requestHeaders',
  'navigation.js': `exports.redirect = (url) => {
    throw Object.assign(new Error('NEXT_REDIRECT'), { digest: 'NEXT_REDIRECT;replace;' + url + ';307;', url })
  }`,
  'server.js': `exports.NextResponse = { next: ({ request }) => {
    const response = new Response(null, { headers: { 'x-middleware-next': '1' } })
    response.forwarded = request.headers
    return response
  } }`,
}

let idp
let dir
let cwd
let auth

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scalekit-next-'))
  mkdirSync(path.join(dir, 'node_modules', 'next'), { recursive: true })
  for (const [file, source] of Object.entries(FAKES)) writeFileSync(path.join(dir, 'node_modules', 'next', file), source)
  writeFileSync(path.join(dir, 'package.json'), '{"private": true}')
  cwd = process.cwd()
  process.chdir(dir)
  idp = await startIdp({ redirectUris: [`${BASE}/auth/callback`], postLogoutUris: [`${BASE}/`] })
  const { createScalekitNext } = require('../next.js')
  auth = createScalekitNext({
    environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret,
    redirectUri: `${BASE}/auth/callback`, sessionSecret: 'next-unit-test-session-secret-0123456789',
  })
})
after(() => {
  idp?.stop()
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})

const request = (route, headers = {}) => new Request(new URL(route, BASE), { headers })
/** What the page sees: the headers the proxy forwarded. */
const asPage = (headers) => { globalThis.__requestHeaders = headers }

async function logIn(username) {
  const login = await auth.handlers.GET(request('/auth/login?return_to=%2Fdashboard', SAME_ORIGIN))
  const loginCookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const callback = await idp.browse(login.headers.get('location'), username, `next-${username}`)
  const landed = await auth.handlers.GET(request(callback, { ...NAVIGATE, 'sec-fetch-site': 'cross-site', cookie: loginCookies }))
  assert.equal(landed.status, 302)
  return landed.headers.getSetCookie().filter((c) => c.startsWith('skauth_session')).map((c) => c.split(';')[0]).join('; ')
}

test('the proxy: protected paths, auth routes passed through, a forged path header replaced', async () => {
  const proxy = auth.proxy({ protect: ['/dashboard/:path*', { path: '/admin', roles: ['admin'] }] })
  const page = await proxy(request('/dashboard/reports?x=1', NAVIGATE))
  assert.equal(page.status, 302)
  assert.equal(page.headers.get('location'), `${BASE}/auth/login?return_to=%2Fdashboard%2Freports%3Fx%3D1`)
  assert.equal((await proxy(request('/admin', FETCH))).status, 401)
  const open = await proxy(request('/pricing', { ...NAVIGATE, 'x-scalekit-auth-path': '/forged' }))
  assert.equal(open.headers.get('x-middleware-next'), '1')
  assert.equal(open.forwarded.get('x-scalekit-auth-path'), '/pricing')
  const route = await proxy(request('/auth/callback?code=c', NAVIGATE))
  assert.equal(route.headers.get('x-middleware-next'), '1')
})

test('pages: getSession, requireSession (redirect, 401 Response, 403), getAccessToken', async () => {
  asPage(new Headers({ 'x-scalekit-auth-path': '/profile?tab=2' }))
  assert.equal(await auth.getSession(), null)
  assert.equal(await auth.getAccessToken(), null)
  await assert.rejects(auth.requireSession(), (error) => {
    assert.equal(error.url, '/auth/login?return_to=%2Fprofile%3Ftab%3D2')
    return true
  })
  const api = await auth.requireSession({ api: true })
  assert.ok(api instanceof Response)
  assert.equal(api.status, 401)
  assert.equal((await api.json()).error, 'session_missing')
  // A cookie header a client forges is no session.
  asPage(new Headers({ cookie: 'skauth_session=forged' }))
  assert.equal(await auth.getSession(), null)

  const cookie = await logIn('viewer')
  asPage(new Headers({ cookie }))
  const session = await auth.getSession()
  assert.equal(session.user.id, 'usr_viewer')
  assert.equal((await auth.requireSession()).user.id, 'usr_viewer')
  assert.equal(await auth.getAccessToken(), session.accessToken)
  await assert.rejects(auth.requireSession({ roles: ['admin'] }), { name: 'InsufficientScopeError', status: 403 })
  const forbidden = await auth.requireSession({ api: true, roles: ['admin'] })
  assert.equal(forbidden.status, 403)
  // A bearer token works for route handlers.
  asPage(new Headers({ authorization: `Bearer ${session.accessToken}` }))
  assert.equal((await auth.requireSession({ api: true })).source, 'bearer')
})

test('the proxy refreshes once and hands the new cookie to the page', async () => {
  const cookie = await logIn('jane')
  const proxy = auth.proxy({ protect: ['/dashboard'] })
  await sleep(5200) // past the expiry of the 5-second access token
  await idp.resetCounts()
  const responses = await Promise.all(Array.from({ length: 5 }, () => proxy(request('/dashboard', { ...SAME_ORIGIN, cookie: `${cookie}; theme=dark` }))))
  assert.equal(await idp.count('/oauth/token'), 1)
  for (const response of responses) {
    assert.equal(response.headers.get('x-middleware-next'), '1')
    const sent = response.headers.getSetCookie().find((c) => c.startsWith('skauth_session='))
    assert.ok(sent, 'the browser gets the refreshed cookie')
    const forwarded = response.forwarded.get('cookie')
    assert.ok(forwarded.includes(sent.split(';')[0]), 'the page gets it too')
    assert.ok(forwarded.includes('theme=dark'))
    assert.ok(!forwarded.includes(cookie))
  }
  // The page reads the forwarded cookie and needs no refresh of its own.
  asPage(responses[0].forwarded)
  assert.equal((await auth.requireSession()).user.id, 'usr_jane')
  assert.equal(await idp.count('/oauth/token'), 1)
})

test('the proxy matches the decoded path Next routes on; ambiguous encodings get 400', async () => {
  const proxy = auth.proxy({ protect: ['/dashboard/:path*', '/settings', /^\/reports\//g] })
  for (const route of ['/%64ashboard', '/dashboard/', '/Dashboard/../dashboard/x', `${BASE}//dashboard`, '/%64ashboard/%72eports',
    '/settings/', '/%73ettings', '/reports/1', '/reports/2', '/reports/3']) {
    const page = await proxy(request(route, NAVIGATE))
    assert.equal(page.status, 302, route)
    assert.match(page.headers.get('location'), /^http:\/\/127\.0\.0\.1:8766\/auth\/login\?return_to=/, route)
  }
  for (const route of ['/dashboard%2Fx', '/x/%2e%2E%2Fdashboard', '/a%5Cb', '/%E0%A4%A', '/%zz']) {
    const bad = await proxy(request(route, NAVIGATE))
    assert.equal(bad.status, 400, route)
    assert.equal(bad.headers.get('x-middleware-next'), null, route)
  }
  assert.equal((await proxy(request('/settings-old', NAVIGATE))).headers.get('x-middleware-next'), '1')
  // Next's `nextUrl.pathname` has the basePath removed: that is the path matched.
  const based = request('/app/%64ashboard', NAVIGATE)
  based.nextUrl = new URL('/dashboard', BASE)
  assert.equal((await proxy(based)).status, 302)
  const open = request('/app/pricing', NAVIGATE)
  open.nextUrl = new URL('/pricing', BASE)
  assert.equal((await proxy(open)).headers.get('x-middleware-next'), '1')
})

test('unsupported protect patterns throw instead of never matching', () => {
  for (const pattern of ['/a/:id', '/a/:id/b', '/a/(.*)', '/a/:path+', '/a/:path?', '/a/*/b', '/a*', 'dashboard', '/a?x=1']) {
    assert.throws(() => auth.proxy({ protect: [pattern] }), /unsupported path pattern|must start with '\/'/, pattern)
    assert.throws(() => auth.proxy({ protect: [{ path: pattern, roles: ['admin'] }] }), Error, pattern)
  }
  assert.throws(() => auth.proxy({ protect: [{ roles: ['admin'] }] }), TypeError)
  for (const pattern of ['/', '/a', '/a/', '/a/:path*', '/a/*', '/:path*', '/*', '/a-b_c.d/e~f', /^\/x$/gy]) {
    assert.equal(typeof auth.proxy({ protect: [pattern] }), 'function', String(pattern))
  }
})

const actionPost = (route, headers = {}) => new Request(new URL(route, BASE), {
  method: 'POST',
  headers: { 'next-action': '7f3a9c', accept: 'text/x-component', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin',
    'content-type': 'text/plain;charset=UTF-8', ...headers },
  body: '[]',
})

test('Server Actions on protected paths: refreshed and passed on, refused without a session', async () => {
  const proxy = auth.proxy({ protect: ['/dashboard/:path*'] })
  // No session on a protected path: 401 JSON whatever the request's headers (the action's
  // client surfaces it); never a redirect it cannot follow, never the route unchecked.
  const refused = await proxy(actionPost('/dashboard'))
  assert.equal(refused.status, 401)
  assert.equal(refused.headers.get('cache-control'), 'no-store')
  assert.equal((await refused.json()).error, 'session_missing')
  assert.equal((await proxy(actionPost('/dashboard', NAVIGATE))).status, 401)
  // On an unprotected path the action runs, and its own requireSession() redirects.
  const anonymous = await proxy(actionPost('/'))
  assert.equal(anonymous.headers.get('x-middleware-next'), '1')
  asPage(anonymous.forwarded)
  await assert.rejects(auth.requireSession(), (error) => {
    assert.equal(error.url, '/auth/login?return_to=%2F')
    return true
  })
  assert.equal(await auth.getSession(), null)
  // Only a POST with Next-Action is an action: a page load or a fetch still meets the proxy.
  assert.equal((await proxy(request('/dashboard', { ...NAVIGATE, 'next-action': '7f3a9c' }))).status, 302)
  const fetched = await proxy(new Request(new URL('/dashboard', BASE), { method: 'POST', headers: FETCH, body: '[]' }))
  assert.equal(fetched.status, 401)

  // An expired access token: the proxy refreshes once and hands the cookies on.
  const cookie = await logIn('actor')
  await sleep(5200)
  await idp.resetCounts()
  const action = await proxy(actionPost('/dashboard/settings', { cookie }))
  assert.equal(action.headers.get('x-middleware-next'), '1')
  assert.equal(await idp.count('/oauth/token'), 1)
  const sent = action.headers.getSetCookie().find((c) => c.startsWith('skauth_session='))
  assert.ok(sent, 'the browser gets the refreshed cookie')
  assert.ok(action.forwarded.get('cookie').includes(sent.split(';')[0]))
  asPage(action.forwarded)
  assert.equal((await auth.requireSession()).user.id, 'usr_actor')
  assert.equal(await idp.count('/oauth/token'), 1)
})

test('pages only read: no refresh outside the proxy, an expired session is refused', async () => {
  const cookie = await logIn('reader')
  asPage(new Headers({ cookie, 'x-scalekit-auth-path': '/dashboard' }))
  assert.equal((await auth.getSession()).user.id, 'usr_reader')
  await sleep(5200)
  await idp.resetCounts()
  assert.equal(await auth.getSession(), null)
  assert.equal(await auth.getAccessToken(), null)
  await assert.rejects(auth.requireSession(), (error) => {
    assert.equal(error.url, '/auth/login?return_to=%2Fdashboard')
    return true
  })
  const api = await auth.requireSession({ api: true })
  assert.equal(api.status, 401)
  assert.deepEqual(api.headers.getSetCookie(), [])
  assert.equal(await idp.count('/oauth/token'), 0, 'only the proxy refreshes')
})

test('requireSession refusals: the class of the code, a public message, no log-only details', async () => {
  const cookie = await logIn('member')
  asPage(new Headers({ cookie, 'x-scalekit-auth-path': '/admin' }))
  await assert.rejects(auth.requireSession({ roles: ['admin'] }), (error) => {
    assert.equal(error.name, 'InsufficientScopeError')
    assert.equal(error.code, 'insufficient_scope')
    assert.equal(error.status, 403)
    assert.equal(error.message, error.publicMessage)
    assert.ok(!error.message.includes(idp.url))
    return true
  })
  // An invalid bearer token on a page: not a redirect (logging in would not mend it).
  asPage(new Headers({ authorization: 'Bearer not-a-token', 'x-scalekit-auth-path': '/dashboard' }))
  await assert.rejects(auth.requireSession(), (error) => {
    assert.equal(error.name, 'TokenError')
    assert.match(error.code, /^token_/)
    assert.equal(error.status, 401)
    assert.ok(!error.message.includes(idp.url), error.message)
    return true
  })
})

test('tests of a Next.js app: a test session cookie passes the proxy and the pages read it', async () => {
  const { LocalProvider, sessionCookieFor } = require('../testing.js')
  const { createScalekitNext } = require('../next.js')
  const provider = await new LocalProvider().start()
  try {
    const app = createScalekitNext({
      environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret,
      redirectUri: `${BASE}/auth/callback`, sessionSecret: 'next-app-test-session-secret-0123456789',
    })
    const proxy = app.proxy({ protect: [{ path: '/admin', roles: ['admin'] }] })
    const admin = await sessionCookieFor(app, provider, { userId: 'usr_ada', roles: ['admin'] })
    const passed = await proxy(request('/admin', { ...NAVIGATE, cookie: admin }))
    assert.equal(passed.headers.get('x-middleware-next'), '1')
    asPage(passed.forwarded)
    assert.equal((await app.requireSession({ roles: ['admin'] })).user.id, 'usr_ada')

    const viewer = await sessionCookieFor(app, provider, { roles: ['viewer'] })
    assert.equal((await proxy(request('/admin', { ...FETCH, cookie: viewer }))).status, 403)
    asPage(new Headers({ cookie: viewer }))
    assert.equal((await app.requireSession({ api: true, roles: ['admin'] })).status, 403)
  } finally {
    await provider.stop()
  }
})

test('IdP-initiated login through the route handlers lands on the relay state', async () => {
  const start = new URL(`${idp.url}/sso/idp-initiated`)
  start.search = new URLSearchParams({ initiate_login_uri: `${BASE}/auth/login`, connection_id: 'conn_local', relay_state: '/dashboard' }).toString()
  const fromIdp = await fetch(start, { redirect: 'manual' })
  assert.equal(fromIdp.status, 302)
  const login = await auth.handlers.GET(request(fromIdp.headers.get('location'), { ...NAVIGATE, 'sec-fetch-site': 'cross-site' }))
  assert.equal(login.status, 302)
  assert.equal(new URL(login.headers.get('location')).searchParams.get('connection_id'), 'conn_local')
  const loginCookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const callback = await idp.browse(login.headers.get('location'), 'viewer', 'next-idp-initiated')
  const landed = await auth.handlers.GET(request(callback, { ...NAVIGATE, 'sec-fetch-site': 'cross-site', cookie: loginCookies }))
  assert.equal(landed.status, 302)
  assert.equal(new URL(landed.headers.get('location'), BASE).pathname, '/dashboard')
})

test('an app with sessions of its own answers the callback itself (Modular SSO)', async () => {
  const { createScalekitNext } = require('../next.js')
  const own = createScalekitNext({
    environmentUrl: idp.url, clientId: idp.clientId, clientSecret: idp.clientSecret,
    redirectUri: `${BASE}/auth/callback`, sessionSecret: 'next-unit-test-session-secret-0123456789',
    afterCallback: (login) => new Response(null, {
      status: 303, headers: { location: login.returnTo, 'set-cookie': `myapp_session=${login.user.id}; HttpOnly; Path=/` },
    }),
  })
  const login = await own.handlers.GET(request('/auth/login?return_to=%2Fhome', SAME_ORIGIN))
  const loginCookies = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const callback = await idp.browse(login.headers.get('location'), 'ada', 'next-own-session')
  const landed = await own.handlers.GET(request(callback, { ...NAVIGATE, 'sec-fetch-site': 'cross-site', cookie: loginCookies }))
  assert.equal(landed.status, 303)
  assert.equal(landed.headers.get('location'), '/home')
  const cookies = landed.headers.getSetCookie()
  assert.ok(cookies.some((c) => c.startsWith('myapp_session=usr_ada;')), cookies.join('\n'))
  assert.ok(!cookies.some((c) => c.startsWith('skauth_session=')), 'no session of the package opens')
  assert.ok(cookies.some((c) => c.startsWith('skauth_login_') && /Max-Age=0/i.test(c)), 'the login cookie is cleared')
})
